class AccountError(Exception):
    pass
