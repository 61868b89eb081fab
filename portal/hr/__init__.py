"""Gedeelde HR: vacancies, public job pages, applications with privacy and retention."""
