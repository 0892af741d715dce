"""Everyone in a department, with their working pattern, into a CSV file (the README's
client recipe). Usage: python department_csv.py URL "Staff - Housing" housing.csv, with
TOWNHALL_TOKEN holding a bearer token (the demo signs in without one)."""

import asyncio
import csv
import os
import sys

import httpx

from townhall_client import TownhallClient


async def members(url: str, group: str) -> list[list[str]]:
    token = os.environ.get("TOWNHALL_TOKEN")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    rows: list[list[str]] = []
    after = None
    async with httpx.AsyncClient(headers=headers, timeout=60) as http:
        client = TownhallClient(url=url, http_client=http)
        while True:  # a page of 50 members at a time
            found = (await client.department_staff(group=group, after=after)).group
            if found is None or found.members is None:
                sys.exit(f"No group {group!r}, or the directory could not list it.")
            for p in found.members.nodes:
                pattern = p.employment.working_pattern if p.employment else None
                rows.append([p.display_name, p.title or "", pattern or ""])
            if not found.members.page_info.has_next_page:
                break
            after = found.members.page_info.end_cursor
    return rows


if __name__ == "__main__":
    url, group, path = sys.argv[1:4]
    with open(path, "w", newline="", encoding="utf-8") as file:
        header = ["name", "job title", "working pattern"]
        csv.writer(file).writerows([header, *asyncio.run(members(url, group))])
