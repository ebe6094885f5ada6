package org.dtprobed.dof.dump;

import java.io.PrintStream;
import java.util.stream.Collectors;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.dof.ParsedProbe;
import org.dtprobed.dof.ParsedProvider;
import org.dtprobed.dof.ParsedRelocation;
import org.dtprobed.dof.PolicyViolation;
import org.dtprobed.dof.ProbeSite;

/** The human form {@code dof-dump} prints by default. */
final class DofText {
    private DofText() {
    }

    static void print(ParsedDof dof, PrintStream out) {
        out.printf("DOF version %d, model %s, load size %d bytes, module '%s'%n", dof.version(),
                dof.model() == 2 ? "LP64" : "ILP32", dof.loadSize(), dof.module());
        for (ParsedProvider p : dof.providers()) {
            out.printf("%nprovider %s (section %d), %d probe%s%n", p.name(), p.section(), p.probes().size(),
                    p.probes().size() == 1 ? "" : "s");
            for (ParsedProbe pr : p.probes()) {
                printProbe(p, pr, dof.module(), out);
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

    private static void printProbe(ParsedProvider p, ParsedProbe pr, String module, PrintStream out) {
        out.printf("  %s:%s:%s:%s%n", p.name(), module, pr.function(), pr.name());
        if (pr.nargc() > 0) {
            out.printf("    args     (%s)%n", String.join(", ", pr.nativeTypes()));
        }
        if (pr.xargc() > 0 && !pr.translatedTypes().equals(pr.nativeTypes())) {
            out.printf("    xlated   (%s) argmap %s%n", String.join(", ", pr.translatedTypes()), pr.argmap());
        }
        out.printf("    addr     0x%x (stored 0x%x)%n", pr.address(), pr.storedAddress());
        out.printf("    sites    %s%n", pr.sites().isEmpty() ? "none" : pr.sites().stream()
                .map(DofText::site).collect(Collectors.joining(" ")));
    }

    private static String site(ProbeSite s) {
        return String.format("0x%x%s", s.address(), s.isEnabled() ? "(is-enabled)" : "");
    }
}
