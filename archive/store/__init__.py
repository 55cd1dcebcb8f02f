"""Object stores (archive/store/base.py: the protocol): a content-addressed folder and S3."""
