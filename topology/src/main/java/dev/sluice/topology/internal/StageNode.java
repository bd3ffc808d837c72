package dev.sluice.topology.internal;

import dev.sluice.topology.Pipeline;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/** What every stage's processor does around the user's code: time it, catch it, check what it made. */
abstract class StageNode implements Processor<String, Flow, String, Flow> {

    /** One call into a stage. */
    @FunctionalInterface
    interface Call {
        void run() throws Exception;
    }

    final Pipeline.StageDefinition definition;
    final BoundContext stageContext;
    ProcessorContext<String, Flow> context;

    StageNode(Pipeline.StageDefinition definition) {
        this.definition = definition;
        this.stageContext = new BoundContext(definition.name());
    }

    @Override
    public void init(ProcessorContext<String, Flow> context) {
        this.context = context;
    }

    /**
     * Runs {@code call}, adding its time to the job's trace. A stage that throws fails the job, and
     * only the job: returns false then.
     */
    final boolean invoke(JobRun run, Call call) {
        stageContext.bind(run);
        long startedAt = context.currentSystemTimeMs();
        long t0 = System.nanoTime();
        try {
            call.run();
            return true;
        } catch (Exception | StackOverflowError | AssertionError | LinkageError e) {
            run.fail(definition.name(), e);
            return false;
        } finally {
            run.record(definition.name(), startedAt, System.nanoTime() - t0);
        }
    }

    /** {@code output}, if it is what the stage is declared to make. */
    final Object checked(Object output) {
        if (output == null) {
            throw new NullPointerException("stage emitted null");
        }
        if (!definition.outputType().isInstance(output)) {
            throw new ClassCastException("stage emitted a " + output.getClass().getName() + " but is declared to emit "
                    + definition.outputType().getName());
        }
        return output;
    }
}
