"""What an approver agrees to: the rules a version does not meet, each of which they confirm knowingly.

A version's unmet rules come from its metrics (:func:`api.serialize.plan_metrics`): the violations of
:func:`geo.plan.constraints.validate` grouped by constraint (neighbourhoods in several parts, outside the size
tolerance, crossing local authorities) and the GP practices split by the plan. ``POST /plans/{id}/agree`` must
name every one of them in ``confirmed`` or it is refused (409, ``urn:nhp:problem:unconfirmed-rules``), and the audit entry of the agreement records each
confirmed rule with the words the approver saw. Pure functions: no database, no geography.
"""

from __future__ import annotations

from api.problems import Problem

#: The rules an approver may have to confirm, in the order the sign-off box lists them, with their short title.
RULES: dict[str, str] = {
    "contiguity": "Neighbourhoods in more than one part",
    "population": "Neighbourhoods outside the size tolerance",
    "la_nesting": "Neighbourhoods crossing local authority boundaries",
    "practice_splits": "GP practices split between neighbourhoods",
}


#: What each rule's count says, singular and plural.
_PHRASES = {
    "contiguity": ("neighbourhood is in more than one part", "neighbourhoods are in more than one part"),
    "population": ("neighbourhood is outside the size tolerance", "neighbourhoods are outside the size tolerance"),
    "la_nesting": (
        "neighbourhood crosses local authority boundaries",
        "neighbourhoods cross local authority boundaries",
    ),
}


def unmet_rules(metrics: dict, practices: int | None = None) -> list[dict]:
    """Return every rule a version does not meet, as ``{rule, title, count, neighbourhoods, text}``.

    Parameters
    ----------
    metrics
        The version's metrics (``summary`` and ``violations``).
    practices
        How many GP practices the study area has (the denominator of the practice split sentence).

    Examples
    --------
    >>> metrics = {"summary": {"practice_splits": 2, "practice_split_threshold": 0.1}, "violations": [
    ...     {"constraint": "contiguity", "message": "A is in 2 separate parts", "neighbourhoods": ["A"]},
    ...     {"constraint": "contiguity", "message": "B is in 3 separate parts", "neighbourhoods": ["B"]}]}
    >>> [(r["rule"], r["count"], r["text"]) for r in unmet_rules(metrics, practices=12)]  # doctest: +NORMALIZE_WHITESPACE
    [('contiguity', 2, '2 neighbourhoods are in more than one part: A, B'),
     ('practice_splits', 2, '2 of 12 GP practices have more than 10% of their patients outside their own neighbourhood')]
    >>> unmet_rules({"summary": {"practice_splits": 0}, "violations": []})
    []
    """
    by_rule: dict[str, list[dict]] = {}
    for violation in metrics.get("violations") or []:
        by_rule.setdefault(str(violation["constraint"]), []).append(violation)
    out = []
    for rule, title in RULES.items():
        if rule == "practice_splits":
            summary = metrics.get("summary") or {}
            split = int(summary.get("practice_splits") or 0)
            if split:
                share = f"{100 * float(summary.get('practice_split_threshold') or 0):g}%"
                of = f" of {practices}" if practices else ""
                text = (
                    f"{split}{of} GP practices have more than {share} of their patients outside their own neighbourhood"
                )
                out.append({"rule": rule, "title": title, "count": split, "neighbourhoods": [], "text": text})
            continue
        found = by_rule.pop(rule, [])
        if not found:
            continue
        names = list(dict.fromkeys(n for v in found for n in v.get("neighbourhoods") or []))
        n = len(names) or len(found)
        text = f"{n} {_PHRASES[rule][n != 1]}"
        out.append(
            {"rule": rule, "title": title, "count": n, "neighbourhoods": names, "text": f"{text}: {', '.join(names)}"}
        )
    for rule, found in by_rule.items():  # a constraint added later is listed, never hidden: fail closed
        names = list(dict.fromkeys(n for v in found for n in v.get("neighbourhoods") or []))
        text = "; ".join(str(v.get("message", rule)) for v in found[:5])
        out.append({"rule": rule, "title": rule, "count": len(found), "neighbourhoods": names, "text": text})
    return out


def check_confirmed(unmet: list[dict], confirmed: list[str] | None, version: int) -> list[dict]:
    """Return the unmet rules the approver confirmed; raise 409 naming every rule they did not confirm.

    A confirmation of a rule the version meets is ignored (the approver read an older box): only the rules
    unmet now are recorded.

    Examples
    --------
    >>> unmet = [{"rule": "population", "title": "Outside tolerance", "text": "1 neighbourhood ..."}]
    >>> [r["rule"] for r in check_confirmed(unmet, ["population", "contiguity"], 3)]
    ['population']
    >>> check_confirmed(unmet, [], 3)
    Traceback (most recent call last):
    ...
    api.problems.Problem: version 3 does not meet 1 rule that the approver has not confirmed: 1 neighbourhood ... (confirm each with 'confirmed': ['population'])
    """
    given = set(confirmed or [])
    missing = [r for r in unmet if r["rule"] not in given]
    if missing:
        raise Problem(
            409,
            "Unmet rules not confirmed",
            f"version {version} does not meet {len(missing)} rule{'s' if len(missing) != 1 else ''} that the "
            f"approver has not confirmed: {'; '.join(r['text'] for r in missing)} "
            f"(confirm each with 'confirmed': {[r['rule'] for r in missing]})",
            slug="unconfirmed-rules",
            extra={"rule": "confirm-unmet", "unconfirmed": [r["rule"] for r in missing], "unmet": missing},
        )
    return [r for r in unmet if r["rule"] in given]
