"""Candidatures: applying, drafts, submissions and receipts, files, screening, publication consent."""
