"""In-app notification list."""
