#!/usr/bin/env python3
"""Regenerates the payloads in this folder from @octokit/webhooks-examples (see README.md).

Usage: npm pack @octokit/webhooks-examples && tar xzf octokit-webhooks-examples-*.tgz
       python3 generate.py package/api.github.com/index.json
"""
import json
import sys

KEEP_URLS = {"url", "clone_url", "ssh_url", "git_url", "html_url", "svn_url"}

# file name -> (event, index of the example in the package, expected action or ref)
CHOSEN = {
    "push-branch.json": ("push", 4, "refs/heads/master"),
    "push-tag.json": ("push", 0, "refs/tags/simple-tag"),
    "push-tag-deleted.json": ("push", 1, "refs/tags/simple-tag"),
    "pull_request-opened.json": ("pull_request", 0, "opened"),
    "pull_request-synchronize.json": ("pull_request", 22, "synchronize"),
    "pull_request-reopened.json": ("pull_request", 18, "reopened"),
    "pull_request-closed.json": ("pull_request", 3, "closed"),
    "ping.json": ("ping", 0, None),
    "issues-opened.json": ("issues", 15, "opened"),
}


def trim(value):
    """Drops the API's hypermedia links (*_url, _links): nothing Ferry reads, most of every payload."""
    if isinstance(value, dict):
        return {k: trim(v) for k, v in value.items()
                if k != "_links" and (not k.endswith("_url") or k in KEEP_URLS)}
    if isinstance(value, list):
        return [trim(v) for v in value]
    return value


def main(index_json):
    examples = {e["name"]: e["examples"] for e in json.load(open(index_json))}
    for name, (event, index, expected) in CHOSEN.items():
        payload = examples[event][index]
        if expected is not None:
            assert expected in (payload.get("action"), payload.get("ref")), (name, expected)
        with open(name, "w") as out:
            json.dump(trim(payload), out, indent=2)
            out.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
