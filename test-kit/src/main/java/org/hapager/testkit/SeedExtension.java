package org.hapager.testkit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.TestAbortedException;

/**
 * Gives a test (or a {@code @BeforeAll}/{@code @BeforeEach} method) its {@link Seed} and reports any failure of
 * a test that used one as a {@link SeededFailure}: the original failure plus the seed and the arguments that
 * repeat it.
 *
 * <pre>{@code
 * @ExtendWith(SeedExtension.class)
 * class SomethingTest {
 *     @Test
 *     void randomInputs(Seed seed) {
 *         Random random = seed.random();
 *         ...
 *     }
 * }
 * }</pre>
 *
 * One seed serves one test method; a seed a class-level lifecycle method asks for serves the whole class, and
 * its test methods get that same seed.
 */
public final class SeedExtension implements ParameterResolver, TestExecutionExceptionHandler,
        LifecycleMethodExecutionExceptionHandler {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SeedExtension.class);
    private static final String KEY = "seed";

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Seed.class;
    }

    @Override
    public Seed resolveParameter(ParameterContext parameter, ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        Seed existing = store.get(KEY, Seed.class); // this context's, or an enclosing one's
        if (existing != null) {
            return existing;
        }
        Seed seed = Seed.draw();
        store.put(KEY, seed);
        context.publishReportEntry(Seed.PROPERTY, Long.toString(seed.value()));
        return seed;
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        throw withSeed(context, failure);
    }

    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        throw withSeed(context, failure);
    }

    @Override
    public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        throw withSeed(context, failure);
    }

    @Override
    public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        throw withSeed(context, failure);
    }

    @Override
    public void handleAfterAllMethodExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        throw withSeed(context, failure);
    }

    private static Throwable withSeed(ExtensionContext context, Throwable failure) {
        Seed seed = context.getStore(NAMESPACE).get(KEY, Seed.class);
        if (seed == null || failure instanceof SeededFailure || failure instanceof TestAbortedException) {
            return failure;
        }
        String test = context.getRequiredTestClass().getSimpleName()
                + context.getTestMethod().map(m -> "#" + m.getName()).orElse("");
        return new SeededFailure(seed, test, failure);
    }
}
