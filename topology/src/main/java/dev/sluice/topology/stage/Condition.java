package dev.sluice.topology.stage;

import java.util.function.Predicate;

/**
 * A predicate that may look at the job as well as the record: what a configuration file's conditions
 * are ({@code attributes.lang == 'fr'}). Branches and filters given one call {@link #test(Object,
 * StageContext)}; as a plain {@link Predicate} it sees no job (no attributes).
 */
public interface Condition<T> extends Predicate<T> {

    /** Whether {@code input}, a record of the job {@code context} describes, passes. */
    boolean test(T input, StageContext context);

    @Override
    default boolean test(T input) {
        return test(input, null);
    }

    /** {@code predicate} applied to {@code input} of the job {@code context} describes, with the job if it can see one. */
    @SuppressWarnings("unchecked")
    static <T> boolean applies(Predicate<? super T> predicate, T input, StageContext context) {
        return predicate instanceof Condition<?> condition ? ((Condition<T>) condition).test(input, context)
                : predicate.test(input);
    }
}
