"""How django-allauth behaves here: nobody signs themselves up."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are made by invitation only (a lead adds people to a scheme)."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
