"""A placement resolver for tests: every learner is placed at the lyceum and region named here."""

PLACEMENT = {"lyceum_id": None, "region_id": None}


def fixed_placement(user) -> tuple[int | None, int | None]:
    return PLACEMENT["lyceum_id"], PLACEMENT["region_id"]
