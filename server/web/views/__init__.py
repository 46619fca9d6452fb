"""What each page shows, built from SPARQL rows: the queries, the view models and the functions that fill them.
No HTTP here; the page routers (``web.pages``) parse requests, call these and render."""
