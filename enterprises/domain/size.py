"""Size class of an industrial enterprise by 《统计上大中小微型企业划分办法（2017）》
(国统字〔2017〕213号), 工业 row: an enterprise is in a class only when it reaches both
that class's headcount and its revenue; otherwise it falls to the next class down.

Plain Python: the registry stores the class a clerk records; this computes the class
figures imply (used by the demo data and as a hint, never to overrule a recorded class)."""
from decimal import Decimal

# (class, minimum employees, minimum annual revenue in yuan), largest first.
INDUSTRY_THRESHOLDS = (
    ("large", 1000, Decimal("400000000")),
    ("medium", 300, Decimal("20000000")),
    ("small", 20, Decimal("3000000")),
)
MICRO = "micro"


def industrial_size_class(employees: int | None, annual_revenue: Decimal | None) -> str | None:
    """'large' | 'medium' | 'small' | 'micro', or None when either figure is unknown."""
    if employees is None or annual_revenue is None:
        return None
    for size, min_employees, min_revenue in INDUSTRY_THRESHOLDS:
        if employees >= min_employees and annual_revenue >= min_revenue:
            return size
    return MICRO
