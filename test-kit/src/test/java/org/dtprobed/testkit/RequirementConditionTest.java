package org.dtprobed.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;

class RequirementConditionTest {
    @Test
    void nothingMissingRuns() {
        assertThat(RequirementCondition.decide("t()", List.of(), true).isDisabled()).isFalse();
        assertThat(RequirementCondition.decide("t()", List.of(), false).isDisabled()).isFalse();
    }

    @Test
    void somethingMissingSkipsWithOneLineNamingIt() {
        ConditionEvaluationResult r = RequirementCondition.decide("t()", List.of("root (running as uid 1000)",
                "qemu-system-x86_64 on PATH"), false);
        assertThat(r.isDisabled()).isTrue();
        assertThat(r.getReason()).hasValue("t() needs root (running as uid 1000), qemu-system-x86_64 on PATH");
    }

    @Test
    void somethingMissingUnderCiIsAFailureNotASkip() {
        assertThatThrownBy(() -> RequirementCondition.decide("t()", List.of("npm on PATH"), true))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("t() needs npm on PATH")
                .hasMessageContaining("CI must not pass by skipping");
    }

    @Test
    void eachCapabilityAnswersOnThisMachine() {
        for (Capability c : Capability.values()) {
            assertThat(c.missing()).as(c.name()).satisfiesAnyOf(
                    m -> assertThat(m).isEmpty(), m -> assertThat(m.orElseThrow()).isNotBlank());
        }
        assertThat(Capability.root()).isEqualTo(Capability.ownUid() == 0);
    }
}
