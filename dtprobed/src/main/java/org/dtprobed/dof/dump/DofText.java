package org.dtprobed.dof.dump;

import java.io.PrintStream;
import java.util.List;
import java.util.stream.Collectors;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.dof.ParsedProbe;
import org.dtprobed.dof.ParsedProvider;
import org.dtprobed.dof.ParsedRelocation;
import org.dtprobed.dof.PolicyViolation;
import org.dtprobed.dof.ProbeSite;
import org.dtprobed.protocol.Numbers;

/** The human form {@code dof-dump} prints by default. */
public final class DofText {
    private DofText() {
    }

    /** The data model of a DOF header's {@code DOF_ID_MODEL} byte, as people name it. */
    public static String model(int model) {
        return switch (model) {
            case 1 -> "ILP32";
            case 2 -> "LP64";
            default -> "model " + model;
        };
    }

    /** @param loadBase the load base the addresses are given for ({@code dofhp_addr}) */
    static void print(ParsedDof dof, long loadBase, PrintStream out) {
        out.printf("DOF version %d, model %s, load size %d bytes, module '%s'%n", dof.version(),
                model(dof.model()), dof.loadSize(), dof.module());
        for (ParsedProvider p : dof.providers()) {
            out.printf("%nprovider %s (section %d), %d probe%s%n", p.name(), p.section(), p.probes().size(),
                    p.probes().size() == 1 ? "" : "s");
            for (ParsedProbe pr : p.probes()) {
                printProbe(p, pr, dof.module(), loadBase, out);
            }
        }
        if (!dof.relocations().isEmpty()) {
            out.printf("%nrelocations:%n");
            for (ParsedRelocation r : dof.relocations()) {
                out.printf("  %s section %d + %d -> %s%n", r.type() == 1 ? "SETX" : "NONE", r.targetSection(),
                        r.offset(), r.symbol());
            }
        }
        if (!dof.violations().isEmpty()) {
            out.printf("%nregistration would refuse this DOF:%n");
            for (PolicyViolation v : dof.violations()) {
                out.printf("  warning: %s%n", v.message());
            }
        }
    }

    private static void printProbe(ParsedProvider p, ParsedProbe pr, String module, long loadBase, PrintStream out) {
        out.printf("  %s:%s:%s:%s%n", p.name(), module, pr.function(), pr.name());
        if (pr.nargc() > 0) {
            out.printf("    args     (%s)%n", String.join(", ", pr.nativeTypes()));
        }
        if (pr.xargc() > 0 && !pr.translatedTypes().equals(pr.nativeTypes())) {
            out.printf("    xlated   (%s) argmap %s%n", String.join(", ", pr.translatedTypes()), pr.argmap());
        }
        out.printf("    addr     %s (stored %s)%n", Numbers.hex(pr.addressAt(loadBase)), Numbers.hex(pr.storedAddress()));
        List<ProbeSite> sites = pr.sitesAt(loadBase);
        out.printf("    sites    %s%n", sites.isEmpty() ? "none" : sites.stream()
                .map(DofText::site).collect(Collectors.joining(" ")));
    }

    private static String site(ProbeSite s) {
        return Numbers.hex(s.address()) + (s.isEnabled() ? "(is-enabled)" : "");
    }
}
