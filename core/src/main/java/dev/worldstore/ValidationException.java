package dev.worldstore;

/** Input breaks a rule. Names the offending field (a JSON path such as {@code position.x}) and the rule. */
public final class ValidationException extends WorldStoreException.RejectedException {
    private static final long serialVersionUID = 1L;

    private final String field;
    private final String rule;

    public ValidationException(ErrorCode code, String field, String rule) {
        super(code, field + ": " + rule, null);
        this.field = field;
        this.rule = rule;
    }

    public String field() {
        return field;
    }

    public String rule() {
        return rule;
    }
}
