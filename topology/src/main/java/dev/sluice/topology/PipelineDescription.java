package dev.sluice.topology;

import dev.sluice.topology.Pipeline.Kind;
import dev.sluice.topology.Pipeline.Route;
import dev.sluice.topology.Pipeline.StageDefinition;
import dev.sluice.topology.internal.ResourceNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A pipeline drawn for people: as text, as a Mermaid flowchart or as a Graphviz digraph, with its
 * stages, branches and lanes, the topics it reads and writes and the stores and internal topics
 * each stage owns. The text form names every part of the definition, so two pipelines with the same
 * text are the same pipeline.
 */
public final class PipelineDescription {

    private PipelineDescription() {
    }

    /** The text form, with topics under the default prefix. */
    public static String text(Pipeline pipeline) {
        return text(pipeline, "sluice");
    }

    /** The text form: one line per stage, then the topics. */
    public static String text(Pipeline pipeline, String prefix) {
        StringBuilder sb = new StringBuilder();
        sb.append("pipeline ").append(pipeline.name()).append('\n');
        sb.append("  source  ").append(prefix).append(".jobs\n");
        if (pipeline.isPassThrough()) {
            sb.append("  (no stages: every readable job ends COMPLETED with itself as output)\n");
        }
        for (StageDefinition stage : pipeline.stages()) {
            sb.append(String.format(Locale.ROOT, "  %-10s %-9s %s -> %s  from %s", stage.name(), stage.kind().label(),
                    stage.inputType().getSimpleName(), stage.outputType().getSimpleName(),
                    stage.inputs().isEmpty() ? "[source]" : stage.inputs()));
            String impl = implementation(stage);
            if (!impl.isEmpty()) {
                sb.append("  ").append(impl);
            }
            for (String detail : details(stage, prefix)) {
                sb.append("; ").append(detail);
            }
            sb.append('\n');
        }
        for (String lane : pipeline.lanes()) {
            sb.append("  lane ").append(lane).append("  ").append(prefix).append(".jobs.").append(lane).append(" -> ")
                    .append(String.join(", ", pipeline.reachableFrom(pipeline.laneEntry(lane).name()).stream()
                            .map(StageDefinition::name).toList()))
                    .append(" (its own copies, named ").append(lane).append(".<stage>)\n");
        }
        sb.append("  results ").append(prefix).append(".results\n");
        sb.append("  dead letters ").append(prefix).append(".dlq\n");
        return sb.toString();
    }

    /** A Mermaid flowchart. */
    public static String mermaid(Pipeline pipeline, String prefix) {
        List<String> lines = new ArrayList<>();
        lines.add("flowchart LR");
        lines.add("    jobs[(" + prefix + ".jobs)]");
        lines.add("    results[(" + prefix + ".results)]");
        lines.add("    dlq[(" + prefix + ".dlq)]");
        for (StageDefinition stage : pipeline.stages()) {
            String label = stage.name() + "<br/>" + stage.kind().label();
            String shape = switch (stage.kind()) {
                case BRANCH -> id(stage) + "{" + quote(label) + "}";
                case BROADCAST -> id(stage) + "((" + quote(label) + "))";
                case GATHER, JOIN, BATCH -> id(stage) + "[[" + quote(label + "<br/>" + stores(stage, "").get(0)) + "]]";
                default -> id(stage) + "[" + quote(label) + "]";
            };
            lines.add("    " + shape);
        }
        for (String lane : pipeline.lanes()) {
            lines.add("    lane_" + id(lane) + "[(" + prefix + ".jobs." + lane + ")]");
        }
        if (pipeline.isPassThrough()) {
            lines.add("    jobs -->|pass-through| results");
        }
        edges(pipeline, lines);
        lines.add("    jobs -. unreadable or invalid .-> dlq");
        return String.join("\n", lines) + "\n";
    }

    private static void edges(Pipeline pipeline, List<String> lines) {
        for (StageDefinition stage : pipeline.stages()) {
            if (stage.inputs().isEmpty()) {
                lines.add("    jobs --> " + id(stage));
            }
            for (Route route : stage.routes()) {
                String label = quote(route.label());
                if (route.lane() != null) {
                    lines.add("    " + id(stage) + " -->|" + label + "| lane_" + id(route.lane()));
                    lines.add("    lane_" + id(route.lane()) + " --> " + id(stage.otherwise()));
                } else {
                    lines.add("    " + id(stage) + " -->|" + label + "| " + id(route.to()));
                }
            }
            for (String next : pipeline.successors(stage.name())) {
                boolean routed = stage.routes().stream().anyMatch(r -> next.equals(r.to()));
                if (!routed) {
                    String label = stage.kind() == Kind.BRANCH ? " -->|otherwise| " : " --> ";
                    lines.add("    " + id(stage) + label + id(next));
                }
            }
            if (stage.kind() != Kind.BRANCH && pipeline.successors(stage.name()).isEmpty()) {
                lines.add("    " + id(stage) + " --> results");
            }
        }
    }

    /** A Graphviz digraph. */
    public static String dot(Pipeline pipeline, String prefix) {
        List<String> lines = new ArrayList<>();
        lines.add("digraph \"" + pipeline.name() + "\" {");
        lines.add("  rankdir=LR;");
        lines.add("  jobs [shape=cylinder, label=\"" + prefix + ".jobs\"];");
        lines.add("  results [shape=cylinder, label=\"" + prefix + ".results\"];");
        lines.add("  dlq [shape=cylinder, label=\"" + prefix + ".dlq\"];");
        for (StageDefinition stage : pipeline.stages()) {
            String shape = switch (stage.kind()) {
                case BRANCH -> "diamond";
                case BROADCAST -> "circle";
                case GATHER, JOIN, BATCH -> "box3d";
                default -> "box";
            };
            lines.add("  " + id(stage) + " [shape=" + shape + ", label=\"" + stage.name() + "\\n" + stage.kind().label()
                    + "\"];");
        }
        for (String lane : pipeline.lanes()) {
            lines.add("  lane_" + id(lane) + " [shape=cylinder, label=\"" + prefix + ".jobs." + lane + "\"];");
        }
        if (pipeline.isPassThrough()) {
            lines.add("  jobs -> results [label=\"pass-through\"];");
        }
        for (StageDefinition stage : pipeline.stages()) {
            if (stage.inputs().isEmpty()) {
                lines.add("  jobs -> " + id(stage) + ";");
            }
            for (Route route : stage.routes()) {
                String target = route.lane() != null ? "lane_" + id(route.lane()) : id(route.to());
                lines.add("  " + id(stage) + " -> " + target + " [label=\"" + route.label().replace("\"", "'") + "\"];");
                if (route.lane() != null) {
                    lines.add("  lane_" + id(route.lane()) + " -> " + id(stage.otherwise()) + ";");
                }
            }
            for (String next : pipeline.successors(stage.name())) {
                if (stage.routes().stream().noneMatch(r -> next.equals(r.to()))) {
                    lines.add("  " + id(stage) + " -> " + id(next)
                            + (stage.kind() == Kind.BRANCH ? " [label=\"otherwise\"]" : "") + ";");
                }
            }
            if (stage.kind() != Kind.BRANCH && pipeline.successors(stage.name()).isEmpty()) {
                lines.add("  " + id(stage) + " -> results;");
            }
        }
        lines.add("  jobs -> dlq [style=dashed, label=\"unreadable or invalid\"];");
        lines.add("}");
        return String.join("\n", lines) + "\n";
    }

    /** The state stores a stage owns, by name (lane copies prefix them with {@code <lane>.}). */
    public static List<String> stores(StageDefinition stage, String lane) {
        String name = ResourceNames.inLane(lane, stage.name());
        List<String> stores = new ArrayList<>(switch (stage.kind()) {
            case GATHER -> List.of(ResourceNames.gatherParts(name), ResourceNames.gatherFlushed(name));
            case JOIN -> List.of(ResourceNames.joinStore(name));
            case BATCH -> List.of(ResourceNames.batchBuffer(name));
            default -> List.<String>of();
        });
        if (stage.retry().retriesAny()) {
            stores.add(ResourceNames.retries(name));
        }
        return stores.isEmpty() ? List.of()
                : List.of((stores.size() == 1 ? "store " : "stores ") + String.join(", ", stores));
    }

    private static List<String> details(StageDefinition stage, String prefix) {
        List<String> details = new ArrayList<>();
        switch (stage.kind()) {
            case BRANCH -> {
                for (Route route : stage.routes()) {
                    details.add("when " + route.label() + " => " + (route.lane() != null
                            ? "lane " + route.lane() + " (" + prefix + ".jobs." + route.lane() + ")" : route.to()));
                }
                details.add("otherwise => " + stage.otherwise());
            }
            case BROADCAST -> details.add("to " + stage.targets());
            case GATHER -> details.add("timeout " + duration(stage.timeout()));
            case JOIN -> details.add("window " + duration(stage.timeout()));
            case BATCH -> details.add("size " + stage.batchSize() + ", linger " + duration(stage.timeout()));
            default -> {
            }
        }
        if (stage.timeLimit() != null) {
            details.add("time limit " + duration(stage.timeLimit()));
        }
        if (stage.retry().retriesAny()) {
            details.add("retry " + stage.retry());
        }
        details.addAll(stores(stage, ""));
        return details;
    }

    private static String implementation(StageDefinition stage) {
        Object impl = stage.stage() instanceof Pipeline.JoinSides sides ? sides.stage() : stage.stage();
        if (impl == null || impl.getClass().isSynthetic() || impl.getClass().isAnonymousClass()
                || impl.getClass().getSimpleName().contains("$$Lambda")) {
            return "";
        }
        String text = impl.toString();
        return text.contains("@") ? impl.getClass().getSimpleName() : text;
    }

    private static String duration(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    private static String id(StageDefinition stage) {
        return id(stage.name());
    }

    private static String id(String name) {
        return name.replace('-', '_');
    }

    private static String quote(String text) {
        return "\"" + text.replace("\"", "'") + "\"";
    }
}
