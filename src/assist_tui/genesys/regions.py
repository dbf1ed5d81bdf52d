"""Genesys Cloud regions: names like ``us_east_1`` and hosts like ``mypurecloud.ie``."""

from __future__ import annotations

from dataclasses import dataclass

# Region name -> API host, from the public SDKs' region tables.
REGION_API_HOSTS: dict[str, str] = {
    "us_east_1": "api.mypurecloud.com",
    "eu_west_1": "api.mypurecloud.ie",
    "ap_southeast_2": "api.mypurecloud.com.au",
    "ap_northeast_1": "api.mypurecloud.jp",
    "eu_central_1": "api.mypurecloud.de",
    "us_west_2": "api.usw2.pure.cloud",
    "ca_central_1": "api.cac1.pure.cloud",
    "ap_northeast_2": "api.apne2.pure.cloud",
    "eu_west_2": "api.euw2.pure.cloud",
    "ap_south_1": "api.aps1.pure.cloud",
    "us_east_2": "api.use2.us-gov-pure.cloud",
    "sa_east_1": "api.sae1.pure.cloud",
    "me_central_1": "api.mec1.pure.cloud",
    "ap_northeast_3": "api.apne3.pure.cloud",
    "eu_central_2": "api.euc2.pure.cloud",
    "mx_central_1": "api.mxc1.pure.cloud",
    "ap_southeast_1": "api.apse1.pure.cloud",
}


class UnknownRegionError(ValueError):
    """The region is neither a known name nor a known Genesys Cloud host."""

    def __init__(self, value: str) -> None:
        self.value = value
        names = ", ".join(sorted(REGION_API_HOSTS))
        super().__init__(
            f"unknown region {value!r}: use a region name ({names}) "
            "or a host such as 'mypurecloud.ie'"
        )


@dataclass(frozen=True)
class Region:
    """A resolved region: its name and the hosts used for the API and for login."""

    name: str
    api_host: str

    @property
    def domain(self) -> str:
        return self.api_host.removeprefix("api.")

    @property
    def login_host(self) -> str:
        return f"login.{self.domain}"

    @property
    def api_base_url(self) -> str:
        return f"https://{self.api_host}"

    @property
    def login_base_url(self) -> str:
        return f"https://{self.login_host}"


def resolve_region(value: str) -> Region:
    """Resolve a region name (``eu_west_1``), a domain (``mypurecloud.ie``) or a host.

    Names are matched case-insensitively, with ``-`` accepted for ``_``. Hosts may carry
    an ``api.``, ``login.`` or ``https://`` prefix.
    """
    text = value.strip()
    name = text.lower().replace("-", "_")
    if name in REGION_API_HOSTS:
        return Region(name, REGION_API_HOSTS[name])
    host = text.lower().removeprefix("https://").rstrip("/")
    for prefix in ("api.", "login."):
        host = host.removeprefix(prefix)
    for region_name, api_host in REGION_API_HOSTS.items():
        if api_host.removeprefix("api.") == host:
            return Region(region_name, api_host)
    raise UnknownRegionError(value)
