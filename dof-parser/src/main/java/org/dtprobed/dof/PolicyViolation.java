package org.dtprobed.dof;

/**
 * A reason registration refuses DOF whose structure is valid. {@code where} names the provider and
 * probe (or the module) in the operator's terms.
 */
public record PolicyViolation(DofRule rule, String where, String detail) {
    public PolicyViolation {
        if (rule.kind() != DofRule.Kind.POLICY) {
            throw new IllegalArgumentException(rule + " is not a policy rule");
        }
    }

    /** One line for a log or a {@code warnings} array. */
    public String message() {
        return where + ": " + rule.summary() + (detail.isEmpty() ? "" : " (" + detail + ")");
    }
}
