"""The researcher's pages: one router module per page, routes only (parse, call a view, render)."""
