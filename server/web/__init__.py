"""The HTTP face of migkg: ``create_app(settings, store)`` and its routers."""
