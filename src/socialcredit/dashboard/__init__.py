"""The browser dashboard: `session` (runs stepped in the background, no browser needed) and
`app` (the Panel page). `socialcredit dashboard` serves it."""
