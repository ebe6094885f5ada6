package org.dtprobed.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The machine capabilities a test class or method needs. When one is missing the test is skipped
 * with one line naming it ({@code scripts/test} prints every such line at the end); under
 * {@code CI=true} it fails instead, so that CI never passes by skipping.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@ExtendWith(RequirementCondition.class)
public @interface Requires {
    Capability[] value();
}
