package org.dtprobed.dof;

/**
 * The one exception the parser throws: which rule broke, where (section and probe index when they
 * apply) and the errno the registering process gets. The message is meant for one log line.
 */
public final class DofFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Index value meaning "not specific to one section or probe". */
    public static final int NONE = -1;

    private final DofRule rule;
    private final int section;
    private final int probe;

    public DofFormatException(DofRule rule, int section, int probe, String detail) {
        super(describe(rule, section, probe, detail));
        this.rule = rule;
        this.section = section;
        this.probe = probe;
    }

    public DofFormatException(DofRule rule, String detail) {
        this(rule, NONE, NONE, detail);
    }

    private static String describe(DofRule rule, int section, int probe, String detail) {
        StringBuilder sb = new StringBuilder();
        if (section != NONE) {
            sb.append("section ").append(section).append(": ");
        }
        if (probe != NONE) {
            sb.append("probe ").append(probe).append(": ");
        }
        sb.append(rule.summary());
        if (detail != null && !detail.isEmpty()) {
            sb.append(" (").append(detail).append(')');
        }
        return sb.toString();
    }

    public DofRule rule() {
        return rule;
    }

    public int errno() {
        return rule.errno();
    }

    /** Section index, or {@link #NONE}. */
    public int section() {
        return section;
    }

    /** Probe index within its provider, or {@link #NONE}. */
    public int probe() {
        return probe;
    }
}
