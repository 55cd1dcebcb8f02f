"""The SQL catalog (SQLAlchemy 2 Core): fonds, dossiers, documents, versions, audit log."""
