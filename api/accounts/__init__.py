"""Accounts, roles and access tokens of the service."""
