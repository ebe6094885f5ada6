package org.dtprobed.parse;

import java.util.Objects;
import org.dtprobed.dof.DofRule;
import org.dtprobed.dof.ParsedDof;

/** The answer to one parse: the parsed DOF, the parser's refusal, or no answer at all. */
public sealed interface ParseOutcome {
    /** The DOF parsed (it may still carry policy violations). */
    record Parsed(ParsedDof dof) implements ParseOutcome {
        public Parsed {
            Objects.requireNonNull(dof, "dof");
        }
    }

    /**
     * The parser refused the DOF: the input is bad, no retry helps.
     *
     * @param message one log line, as the parser's {@code DofFormatException} had it
     */
    record Rejected(DofRule rule, int errno, int section, int probe, String message) implements ParseOutcome {
    }

    /**
     * No verdict on the DOF: every attempt failed (or none could be made).
     *
     * @param attempts how many times a child was given the DOF
     * @param message  what happened, attempt by attempt
     */
    record Failed(FailureReason reason, int errno, int attempts, String message) implements ParseOutcome {
    }
}
