"""How a responsible unit (责任单位) is named, in plain Python.

The documents name units the short way, from inside their own jurisdiction: 盂县's
plan says “县工信局”, 孝义's “市工信局”, 顺城's “区工信局”; some units carry their
place in their own name (“山西省民营经济发展局”, “中国人民银行孝义支行”,
“阳泉高新技术产业开发区管委会”). Outside its jurisdiction a unit is named once:

  盂县 + 县工信局             → 盂县工信局       (the leading 县 is the jurisdiction's own)
  孝义市 + 市中小企业服务中心 → 孝义市中小企业服务中心
  山西省 + 山西省民营经济发展局 → 山西省民营经济发展局 (already names its place)
  顺城区 + 经济开发区经发局   → 顺城区经济开发区经发局
  城乡一体化示范区 + 管委会   → 城乡一体化示范区管委会
"""

LEVEL_SUFFIXES = "省市县区旗镇乡"


def _stem(jurisdiction_name: str) -> str:
    """The place name without its level (孝义市 → 孝义); a one-character stem (盂县 → 盂)
    is too short to recognise reliably, so the whole name is used then."""
    if len(jurisdiction_name) > 2 and jurisdiction_name[-1] in LEVEL_SUFFIXES:
        return jurisdiction_name[:-1]
    return jurisdiction_name


def unit_name(jurisdiction_name: str, name: str) -> str:
    """The unit's name with its place, named once."""
    place = (jurisdiction_name or "").strip()
    name = (name or "").strip()
    if not place or not name:
        return name or place
    if _stem(place) in name:  # 山西省民营经济发展局, 中国人民银行孝义支行, 市生态环境局顺城区分局
        return name
    if place[-1] in LEVEL_SUFFIXES and name[0] == place[-1]:  # 县工信局 in 盂县: the 县 is 盂县
        return place + name[1:]
    return place + name
