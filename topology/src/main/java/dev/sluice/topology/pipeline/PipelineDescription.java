package dev.sluice.topology.pipeline;

import dev.sluice.topology.pipeline.StageDefinition.Route;
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
        sb.append("  source  ").append(prefix).append(".jobs, payloads ").append(pipeline.input()).append('\n');
        if (pipeline.isPassThrough()) {
            sb.append("  (no stages: every readable job ends COMPLETED with its payload, as it came, as output)\n");
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
        sb.append("  results ").append(prefix).append(".results, outputs ").append(pipeline.output()).append('\n');
        sb.append("  dead letters ").append(prefix).append(".dlq\n");
        return sb.toString();
    }

    /**
     * The pipeline as a graph, the one that {@link #mermaid} and {@link #dot} draw and the gateway's
     * dashboard shows: the source, results and dead-letter topics, each stage and each lane's topic as a
     * node, and the ways records take between them as edges, both in the order they are drawn.
     */
    public static Graph graph(Pipeline pipeline, String prefix) {
        List<Node> nodes = new ArrayList<>();
        nodes.add(Node.topic("jobs", prefix + ".jobs"));
        nodes.add(Node.topic("results", prefix + ".results"));
        nodes.add(Node.topic("dlq", prefix + ".dlq"));
        for (StageDefinition stage : pipeline.stages()) {
            String stores = switch (stage.kind()) {
                case GATHER, JOIN, BATCH -> stores(stage, "").get(0);
                default -> null;
            };
            nodes.add(new Node(id(stage), stage.name(), stage.kind().label(), stores));
        }
        for (String lane : pipeline.lanes()) {
            nodes.add(Node.topic("lane_" + id(lane), prefix + ".jobs." + lane));
        }
        List<Edge> edges = new ArrayList<>();
        if (pipeline.isPassThrough()) {
            edges.add(new Edge("jobs", "results", "pass-through", false));
        }
        for (StageDefinition stage : pipeline.stages()) {
            if (stage.inputs().isEmpty()) {
                edges.add(new Edge("jobs", id(stage), null, false));
            }
            List<Route> routes = stage instanceof StageDefinition.Branch branch ? branch.routes() : List.of();
            for (Route route : routes) {
                if (route.lane() != null) {
                    edges.add(new Edge(id(stage), "lane_" + id(route.lane()), route.label(), false));
                    edges.add(new Edge("lane_" + id(route.lane()), id(((StageDefinition.Branch) stage).otherwise()), null,
                            false));
                } else {
                    edges.add(new Edge(id(stage), id(route.to()), route.label(), false));
                }
            }
            for (String next : pipeline.successors(stage.name())) {
                if (routes.stream().noneMatch(r -> next.equals(r.to()))) {
                    edges.add(new Edge(id(stage), id(next), stage instanceof StageDefinition.Branch ? "otherwise" : null,
                            false));
                }
            }
            if (!(stage instanceof StageDefinition.Branch) && pipeline.successors(stage.name()).isEmpty()) {
                edges.add(new Edge(id(stage), "results", null, false));
            }
        }
        edges.add(new Edge("jobs", "dlq", "unreadable or invalid", true));
        return new Graph(pipeline.name(), List.copyOf(nodes), List.copyOf(edges));
    }

    /** A pipeline's graph: its name, its nodes and its edges. */
    public record Graph(String name, List<Node> nodes, List<Edge> edges) {
    }

    /**
     * A node of a pipeline's graph: a topic, or a stage.
     *
     * @param id an identifier safe in Mermaid and Graphviz (a stage's name with {@code -} as {@code _})
     * @param name the topic's or the stage's name
     * @param kind {@code topic}, or the stage's kind as the text form names it (stage, flat-map, branch, ...)
     * @param stores the state stores the stage keeps, for a gather, a join or a batch; null otherwise
     */
    public record Node(String id, String name, String kind, String stores) {
        static Node topic(String id, String name) {
            return new Node(id, name, "topic", null);
        }
    }

    /**
     * An edge of a pipeline's graph.
     *
     * @param label the branch's condition, {@code otherwise}, or null
     * @param dashed whether records take it only when they cannot go on (to the dead-letter topic)
     */
    public record Edge(String from, String to, String label, boolean dashed) {
    }

    /** A Mermaid flowchart. */
    public static String mermaid(Pipeline pipeline, String prefix) {
        Graph graph = graph(pipeline, prefix);
        List<String> lines = new ArrayList<>();
        lines.add("flowchart LR");
        for (Node node : graph.nodes()) {
            String label = node.name() + "<br/>" + node.kind();
            lines.add("    " + switch (node.kind()) {
                case "topic" -> node.id() + "[(" + node.name() + ")]";
                case "branch" -> node.id() + "{" + quote(label) + "}";
                case "broadcast" -> node.id() + "((" + quote(label) + "))";
                default -> node.stores() != null ? node.id() + "[[" + quote(label + "<br/>" + node.stores()) + "]]"
                        : node.id() + "[" + quote(label) + "]";
            });
        }
        for (Edge edge : graph.edges()) {
            if (edge.dashed()) {
                lines.add("    " + edge.from() + " -. " + edge.label() + " .-> " + edge.to());
            } else if (edge.label() == null) {
                lines.add("    " + edge.from() + " --> " + edge.to());
            } else {
                String label = edge.label().matches("[a-z-]+") ? edge.label() : quote(edge.label());
                lines.add("    " + edge.from() + " -->|" + label + "| " + edge.to());
            }
        }
        return String.join("\n", lines) + "\n";
    }

    /** A Graphviz digraph. */
    public static String dot(Pipeline pipeline, String prefix) {
        Graph graph = graph(pipeline, prefix);
        List<String> lines = new ArrayList<>();
        lines.add("digraph \"" + graph.name() + "\" {");
        lines.add("  rankdir=LR;");
        for (Node node : graph.nodes()) {
            if (node.kind().equals("topic")) {
                lines.add("  " + node.id() + " [shape=cylinder, label=\"" + node.name() + "\"];");
                continue;
            }
            String shape = switch (node.kind()) {
                case "branch" -> "diamond";
                case "broadcast" -> "circle";
                default -> node.stores() != null ? "box3d" : "box";
            };
            lines.add("  " + node.id() + " [shape=" + shape + ", label=\"" + node.name() + "\\n" + node.kind() + "\"];");
        }
        for (Edge edge : graph.edges()) {
            List<String> attributes = new ArrayList<>();
            if (edge.dashed()) {
                attributes.add("style=dashed");
            }
            if (edge.label() != null) {
                attributes.add("label=\"" + edge.label().replace("\"", "'") + "\"");
            }
            lines.add("  " + edge.from() + " -> " + edge.to()
                    + (attributes.isEmpty() ? "" : " [" + String.join(", ", attributes) + "]") + ";");
        }
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
        if (stage instanceof StageDefinition.Async) {
            stores.add(ResourceNames.calls(name)); // its retries wait there too
        } else if (stage instanceof StageDefinition.Calling calling && calling.retry().retriesAny()) {
            stores.add(ResourceNames.retries(name));
        }
        return stores.isEmpty() ? List.of()
                : List.of((stores.size() == 1 ? "store " : "stores ") + String.join(", ", stores));
    }

    private static List<String> details(StageDefinition stage, String prefix) {
        List<String> details = new ArrayList<>();
        if (stage instanceof StageDefinition.Branch branch) {
            for (Route route : branch.routes()) {
                details.add("when " + route.label() + " => " + (route.lane() != null
                        ? "lane " + route.lane() + " (" + prefix + ".jobs." + route.lane() + ")" : route.to()));
            }
            details.add("otherwise => " + branch.otherwise());
        } else if (stage instanceof StageDefinition.Broadcast broadcast) {
            details.add("to " + broadcast.targets());
        } else if (stage instanceof StageDefinition.Gather gather) {
            details.add("timeout " + duration(gather.timeout()));
        } else if (stage instanceof StageDefinition.Join join) {
            details.add("window " + duration(join.window()));
        } else if (stage instanceof StageDefinition.Batch batch) {
            details.add("size " + batch.size() + ", linger " + duration(batch.linger()));
        } else if (stage instanceof StageDefinition.Async async) {
            details.add("asynchronous: concurrency " + async.concurrency() + " per task, rate "
                    + (async.rate() == 0 ? "unlimited" : rate(async.rate()) + "/s") + ", timeout "
                    + duration(async.timeout()) + (async.stage() instanceof AsyncBatcher batcher
                    ? ", batches of up to " + batcher.size() + ", linger " + duration(batcher.linger()) : ""));
        }
        if (stage instanceof StageDefinition.Calling calling && calling.timeLimit() != null
                && !(stage instanceof StageDefinition.Async)) {
            details.add("time limit " + duration(calling.timeLimit()));
        }
        if (stage instanceof StageDefinition.PerInput perInput && perInput.streamsOutputs()) {
            details.add("streams its outputs");
        }
        if (stage instanceof StageDefinition.Calling calling && calling.retry().retriesAny()) {
            details.add("retry " + calling.retry());
        }
        details.addAll(stores(stage, ""));
        return details;
    }

    private static String implementation(StageDefinition stage) {
        if (stage instanceof StageDefinition.Filter filter) {
            // Java's predicate and a configuration file's condition alike: what the filter says it keeps
            return "filter: " + filter.reason();
        }
        Object impl = implementationOf(stage);
        if (impl == null || impl.getClass().isSynthetic() || impl.getClass().isAnonymousClass()
                || impl.getClass().getSimpleName().contains("$$Lambda")) {
            return "";
        }
        String text = impl.toString();
        return text.contains("@") ? impl.getClass().getSimpleName() : text;
    }

    /** The user's code a stage runs, or null for a branch or a broadcast. */
    private static Object implementationOf(StageDefinition stage) {
        if (stage instanceof StageDefinition.Map map) {
            return map.stage();
        } else if (stage instanceof StageDefinition.FlatMap flatMap) {
            return flatMap.stage();
        } else if (stage instanceof StageDefinition.Filter filter) {
            return filter.predicate();
        } else if (stage instanceof StageDefinition.Join join) {
            return join.stage();
        } else if (stage instanceof StageDefinition.Gather gather) {
            return gather.stage();
        } else if (stage instanceof StageDefinition.Batch batch) {
            return batch.stage();
        } else if (stage instanceof StageDefinition.Async async) {
            return async.stage() instanceof AsyncBatcher batcher ? batcher.stage() : async.stage();
        }
        return null;
    }

    private static String rate(double perSecond) {
        return perSecond == Math.rint(perSecond) ? Long.toString((long) perSecond) : Double.toString(perSecond);
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
