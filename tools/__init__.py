"""Development tools: the loopback test server and the page benchmark (``python -m tools.bench``).

Not part of the installed package (the wheel holds only ``server/``): these need the ``dev`` extra (httpx,
Playwright). ``tools`` may import ``server``; ``server`` never imports ``tools`` or ``tests``.
"""
