"""Accounts: people, roles and organizations; registering, logging in, passwords, invitations."""
