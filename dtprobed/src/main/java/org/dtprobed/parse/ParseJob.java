package org.dtprobed.parse;

import java.util.concurrent.CompletableFuture;
import org.dtprobed.jail.ParseRequest;

/** One parse waiting in the queue or in progress. */
record ParseJob(ParseRequest request, CompletableFuture<ParseOutcome> future, long submittedNanos) {
}
