package org.dtprobed.helper;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.helpers.MessageFormatter;

class RefusalLogTest {
    private final List<String> lines = new ArrayList<>();
    private final AtomicLong now = new AtomicLong();

    /** A logger that keeps its WARN lines. */
    private Logger logger() {
        return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("warn") && args.length == 2 && args[1] instanceof Object[] a) {
                        lines.add(MessageFormatter.arrayFormat((String) args[0], a).getMessage());
                    } else if (method.getName().equals("warn") && args.length >= 1) {
                        Object[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
                        lines.add(MessageFormatter.arrayFormat((String) args[0], rest).getMessage());
                    }
                    return method.getReturnType() == boolean.class ? Boolean.TRUE : null;
                });
    }

    @Test
    void aFloodingUidGetsItsShareThenOneSummaryLine() {
        RefusalLog log = new RefusalLog(logger(), 3, Duration.ofSeconds(10), now::get);
        for (int i = 0; i < 1000; i++) {
            log.warn(65534, "refused {}", i);
        }
        log.warn(1000, "another user {}", 1);
        assertThat(lines).containsExactly("refused 0", "refused 1", "refused 2", "another user 1");
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        log.warn(65534, "refused {}", 1000);
        assertThat(lines).endsWith("uid 65534: 997 more refusals were not logged in the last 10 s", "refused 1000");
    }
}
