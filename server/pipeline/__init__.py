"""The build: load → resolve quotes → reason → materialise → validate → publish (DESIGN.md §1).

Each step is a module of small functions; ``build.run`` strings them together with progress and timings.
Nothing here imports fastapi or the web package.
"""
