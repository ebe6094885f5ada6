package org.dtprobed.testkit;

import java.lang.reflect.AnnotatedElement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/** Evaluates {@link Requires}: run, skip with the reason, or (under {@code CI=true}) fail. */
final class RequirementCondition implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Optional<AnnotatedElement> element = context.getElement();
        Optional<Requires> requires = element.flatMap(e -> AnnotationSupport.findAnnotation(e, Requires.class));
        if (requires.isEmpty()) {
            return ConditionEvaluationResult.enabled("no capability required");
        }
        List<String> missing = new ArrayList<>();
        for (Capability c : requires.get().value()) {
            c.missing().ifPresent(missing::add);
        }
        return decide(context.getDisplayName(), missing, "true".equals(System.getenv("CI")));
    }

    /** Run when nothing is missing; otherwise skip with one line, or throw (a failure) under CI. */
    static ConditionEvaluationResult decide(String test, List<String> missing, boolean ci) {
        if (missing.isEmpty()) {
            return ConditionEvaluationResult.enabled("has every required capability");
        }
        String reason = test + " needs " + String.join(", ", missing);
        if (ci) {
            throw new IllegalStateException("CI=true and " + reason + ": CI must not pass by skipping");
        }
        System.err.println("SKIP " + reason);
        return ConditionEvaluationResult.disabled(reason);
    }
}
