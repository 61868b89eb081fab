"""Dashboard and announcements (mededelingen) shared with partners."""
