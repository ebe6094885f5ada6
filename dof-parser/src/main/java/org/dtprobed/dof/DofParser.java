package org.dtprobed.dof;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The validating DOF parser. Input: the DOF bytes a client handed over and its
 * {@code dof_helper_t}; output: an immutable {@link ParsedDof} with every provider, probe and
 * site, independent of the load base ({@link ParsedProbe#sitesAt} applies one). Any input either parses or throws {@link DofFormatException}; no other exception,
 * no allocation sized by an unchecked count, and work linear in the bytes present.
 *
 * <p>Structural errors throw; registration-policy problems (unsafe names, probes without sites)
 * are collected in {@link ParsedDof#violations()} so that tools can still decode such DOF.
 */
public final class DofParser {
    /** Pass as {@code pid} when the registering process is not known (e.g. decoding a file). */
    public static final long UNKNOWN_PID = -1;

    private final DofLimits limits;
    private final DofHeaderValidator headerValidator;

    public DofParser() {
        this(DofLimits.DEFAULT);
    }

    public DofParser(DofLimits limits) {
        this.limits = limits;
        this.headerValidator = new DofHeaderValidator(limits);
    }

    public DofLimits limits() {
        return limits;
    }

    /** Parses DOF of an unknown process. */
    public ParsedDof parse(ByteBuffer dof, DofHelper helper) throws DofFormatException {
        return parse(dof, helper, UNKNOWN_PID);
    }

    /**
     * Parses the DOF at the buffer's position (bytes past its load size are ignored).
     *
     * @param pid the registering process, which sets how long a provider name may be
     */
    public ParsedDof parse(ByteBuffer dof, DofHelper helper, long pid) throws DofFormatException {
        DofHeader h = headerValidator.validate(dof);
        if (h.loadSize() > dof.remaining()) {
            throw new DofFormatException(DofRule.LOAD_SIZE_EXCEEDS_INPUT,
                    "load size " + h.loadSize() + ", " + dof.remaining() + " bytes supplied");
        }
        DofInput in = new DofInput(dof, (int) h.loadSize());
        SectionTable table = SectionTable.read(in, h);
        Relocator.Result relocated = Relocator.apply(in, table);
        List<PolicyViolation> violations = new ArrayList<>();
        NamePolicy.check("module", helper.module(), true,
                () -> "module '" + NamePolicy.printable(helper.module()) + "'", violations);
        ProviderReader reader = new ProviderReader(in, relocated.targets(), table, h.version(), helper.module(), violations);
        List<ParsedProvider> providers = new ArrayList<>();
        int probeBudget = limits.maxProbes();
        ResultBudget resultBudget = new ResultBudget(limits.maxResultBytes());
        for (int i = 0; i < table.size(); i++) {
            DofSectionHeader s = table.get(i);
            if (s.type() == DofSectionType.PROVIDER) {
                ParsedProvider p = reader.read(s, pid, probeBudget, resultBudget);
                probeBudget -= p.probes().size();
                providers.add(p);
            }
        }
        if (providers.isEmpty()) {
            violations.add(new PolicyViolation(DofRule.NO_PROVIDERS, "DOF", ""));
        }
        return new ParsedDof(h, helper.module(), providers, relocated.relocations(), violations);
    }
}
