package org.dtprobed.parse;

import java.util.List;
import java.util.Map;

/**
 * A snapshot of the supervisor for the daemon's stats.
 *
 * @param childPids        pids of the children running now
 * @param parses           parses answered (parsed + rejected + failed)
 * @param parsed           answered with a parse result
 * @param rejected         answered with the parser's refusal
 * @param failed           answered with a failure (all attempts failed, or refused before any)
 * @param attemptFailures  failed attempts by reason (a parse may fail several times before it succeeds)
 * @param restarts         children started after the initial ones
 * @param deadlineKills    children killed because they missed the deadline
 * @param queued           parses waiting for a child now
 * @param inFlight         parses handed to a child and not answered yet
 * @param latency          submit-to-answer latency of answered parses
 */
public record SupervisorStats(List<Long> childPids, long parses, long parsed, long rejected, long failed,
                              Map<FailureReason, Long> attemptFailures, long restarts, long deadlineKills,
                              int queued, int inFlight, org.dtprobed.metrics.LatencySnapshot latency) {
    public SupervisorStats {
        childPids = List.copyOf(childPids);
        attemptFailures = Map.copyOf(attemptFailures);
    }
}
