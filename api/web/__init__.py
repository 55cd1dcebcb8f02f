"""Server-rendered pages (Jinja2): Vietnamese first, usable on a phone, little JavaScript."""
