"""The web pages: server-rendered HTML for students and instructors."""
