"""The owner's console: one module per section, each with its ``urlpatterns``.

Views stay thin: parse the request (a Django form), call one service or selector, render. Every
view is wrapped in ``access.console_view`` (viewer sees, staff acts, owner configures).
"""
