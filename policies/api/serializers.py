"""Policy documents are public-domain texts: every signed-in API user reads all of them. A draft
(征求意见稿) is marked (`is_draft`) and changes no rule version until adopted."""
from rest_framework import serializers

from ..models import Clause, ClauseChange, DocumentStatus, IncentiveRule, PolicyDocument, RuleAmendment


class ClauseSerializer(serializers.ModelSerializer):
    rules = serializers.SlugRelatedField(slug_field="key", many=True, read_only=True,
                                         help_text="keys of the incentive rules encoded from the clause")

    class Meta:
        model = Clause
        fields = ["id", "path", "text", "responsible_units", "position", "rules"]


class ClauseChangeSerializer(serializers.ModelSerializer):
    clause_path = serializers.CharField(source="clause.path", read_only=True)
    clause_document = serializers.IntegerField(source="clause.document_id", read_only=True)

    class Meta:
        model = ClauseChange
        fields = ["id", "clause", "clause_document", "clause_path", "action", "by_clause", "new_text", "unit_changes"]


class RuleChangeSerializer(serializers.ModelSerializer):
    rule_key = serializers.CharField(source="rule.key", read_only=True)

    class Meta:
        model = RuleAmendment
        fields = ["id", "rule", "rule_key", "action", "changes", "by_clause"]


class PolicyDocumentSerializer(serializers.ModelSerializer):
    jurisdiction_key = serializers.CharField(source="jurisdiction.key", read_only=True)
    is_draft = serializers.SerializerMethodField(help_text="a draft for comment (征求意见稿): not in force")
    amended_by = serializers.PrimaryKeyRelatedField(source="amendments", many=True, read_only=True,
                                                    help_text="ids of the documents amending this one")

    class Meta:
        model = PolicyDocument
        fields = ["id", "key", "number", "title", "issuer", "jurisdiction", "jurisdiction_key", "issued_on",
                  "effective_from", "effective_from_estimated", "effective_from_basis", "effective_to", "status",
                  "is_draft", "amends", "amended_by"]

    def get_is_draft(self, obj) -> bool:
        return obj.status == DocumentStatus.DRAFT


class PolicyDocumentDetailSerializer(PolicyDocumentSerializer):
    """One document with its clauses and, for an amending document, what it changes."""

    clauses = ClauseSerializer(many=True, read_only=True)
    clause_changes = ClauseChangeSerializer(many=True, read_only=True)
    rule_changes = RuleChangeSerializer(many=True, read_only=True)

    class Meta(PolicyDocumentSerializer.Meta):
        fields = PolicyDocumentSerializer.Meta.fields + ["repeals", "note", "full_text", "clauses", "clause_changes",
                                                         "rule_changes"]


class RuleAmendmentSerializer(serializers.ModelSerializer):
    """An amending document's change of the rule (in force from that document's effective date)."""

    document_key = serializers.CharField(source="amendment.key", read_only=True)
    document_number = serializers.CharField(source="amendment.number", read_only=True)
    document_status = serializers.CharField(source="amendment.status", read_only=True)
    effective_from = serializers.DateField(source="amendment.effective_from", allow_null=True, read_only=True)

    class Meta:
        model = RuleAmendment
        fields = ["id", "amendment", "document_key", "document_number", "document_status", "effective_from",
                  "action", "changes", "by_clause"]


class IncentiveRuleSerializer(serializers.ModelSerializer):
    # The engine's evaluator; a plain string, so the schema's enums stay those of the registry's kinds.
    kind = serializers.CharField(read_only=True, help_text="how the engine evaluates the rule, e.g. entry_award")
    document_key = serializers.CharField(source="document.key", read_only=True)
    document_number = serializers.CharField(source="document.number", read_only=True)
    document_status = serializers.CharField(source="document.status", read_only=True)
    is_draft = serializers.SerializerMethodField(help_text="encoded from a draft: no version is in force")
    clause_path = serializers.CharField(source="clause.path", read_only=True)
    jurisdiction_key = serializers.CharField(source="jurisdiction.key", read_only=True)
    amendments = RuleAmendmentSerializer(many=True, read_only=True)

    class Meta:
        model = IncentiveRule
        fields = ["id", "key", "kind", "title", "document", "document_key", "document_number", "document_status",
                  "is_draft", "clause", "clause_path", "jurisdiction", "jurisdiction_key", "valid_from", "valid_to",
                  "amount", "payers", "params", "split", "cited_as", "note", "amendments"]

    def get_is_draft(self, obj) -> bool:
        return obj.document.status == DocumentStatus.DRAFT


class PayerShareSerializer(serializers.Serializer):
    payer = serializers.CharField()
    share = serializers.DecimalField(max_digits=7, decimal_places=4)


class RuleVersionSerializer(serializers.Serializer):
    """One version of a rule, valid on [valid_from, valid_to], after the amendments in force."""

    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)
    valid_from_estimate = serializers.CharField(help_text="non-empty when valid_from is estimated, and how")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    payers = PayerShareSerializer(many=True)
    params = serializers.DictField()
    split = serializers.CharField(allow_null=True)
    changed_by = serializers.CharField(allow_null=True, help_text="the amendment (document number and item) that "
                                                                  "introduced this version")
    deleted_by = serializers.CharField(allow_null=True, help_text="the amendment that ended the rule")


class IncentiveRuleDetailSerializer(IncentiveRuleSerializer):
    versions = serializers.SerializerMethodField()

    class Meta(IncentiveRuleSerializer.Meta):
        fields = IncentiveRuleSerializer.Meta.fields + ["versions"]

    def get_versions(self, obj) -> RuleVersionSerializer(many=True):
        history = self.context.get("versions", {}).get(obj.key, [])
        return RuleVersionSerializer([{
            "valid_from": v.valid_from, "valid_to": v.valid_to, "valid_from_estimate": v.valid_from_estimate,
            "amount": v.amount, "payers": [{"payer": p.payer, "share": p.share} for p in v.payers],
            "params": dict(v.params), "split": v.split,
            "changed_by": str(v.changed_by) if v.changed_by else None,
            "deleted_by": str(v.deleted_by) if v.deleted_by else None,
        } for v in history], many=True).data
