"""The one-stop-shop workflow (bộ phận một cửa): a citizen submits a signed dossier (hồ sơ),
an official of the agency returns the result signed and certified with the agency's seal.

``status`` holds the dossier's states and their allowed transitions, ``codes`` the dossier
codes and the public landing URL, ``access`` who may see what, ``desk`` the workflow over the
small protocols of ``ports``. Nothing here knows HTTP, settings or SQL: ``api/`` adapts.
"""
