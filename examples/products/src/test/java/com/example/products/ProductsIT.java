package com.example.products;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.app.Ccompat;
import dev.sluice.app.SluiceProcess;
import dev.sluice.app.TestKafka;
import dev.sluice.app.embedded.ApicurioRegistry;
import dev.sluice.app.embedded.EmbeddedKafka;
import dev.sluice.client.JobClient;
import dev.sluice.schemas.JobStatus;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.PayloadType;
import dev.sluice.serdes.Result;
import dev.sluice.serdes.SluiceTopics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The products pipeline end to end, as a user runs it: this module's jar loaded as a plugin by {@code sluice
 * run} (its own process) with the pipeline.yaml this module ships, on a real broker and a real Apicurio
 * Registry; jobs submitted as JSON through the gateway, typed through JobClient, and built by hand from
 * the registry's schemas, as a producer in any language would.
 */
class ProductsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void shouldRunTheProductsPipelineFromItsPluginJar() throws Exception {
        Path dir = Files.createTempDirectory("sluice-products-it-");
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        Path jar = Path.of(System.getProperty("plugin.jar"));
        Files.copy(jar, plugins.resolve(jar.getFileName()));
        int httpPort = EmbeddedKafka.freePort();
        try (ApicurioRegistry registry = ApicurioRegistry.start(0, null, Duration.ofSeconds(120));
             TestKafka kafka = TestKafka.start()) {
            Map<String, String> env = Map.of("SLUICE_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                    "SLUICE_REGISTRY_URL", registry.ccompatUrl(),
                    "SLUICE_KAFKA_STATE_DIR", dir.resolve("state").toString());
            try (SluiceProcess sluice = SluiceProcess.start(dir.resolve("run"), env, "run", "--plugins",
                    plugins.toString(), "--config", Path.of("pipeline.yaml").toAbsolutePath().toString(), "--http",
                    Integer.toString(httpPort), "--http-host", "127.0.0.1")) {
                sluice.awaitLog("REBALANCING -> RUNNING", Duration.ofSeconds(120));
                String gateway = "http://127.0.0.1:" + httpPort;

                // JSON through the gateway, converted through Product's schema
                HttpResponse<String> posted = post(gateway + "/v1/jobs?wait=60s", """
                        {"jobId": "json-1", "payload": {"sku": "K-1", "title": "  Steel   kettle ", "price": 20,
                         "currency": "usd", "tags": ["Kitchen"]}}""");
                assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
                JsonNode result = JSON.readTree(posted.body());
                assertThat(result.path("status").asText()).isEqualTo("COMPLETED");
                assertThat(result.path("output").path("category").asText()).isEqualTo("KITCHEN");
                assertThat(result.path("output").path("title").asText()).isEqualTo("Steel kettle");
                assertThat(result.path("output").path("priceEur").asDouble()).isEqualTo(18.4);
                HttpResponse<String> missing = post(gateway + "/v1/jobs", "{\"payload\": {\"sku\": \"X\", \"price\": 1}}");
                assertThat(missing.statusCode()).isEqualTo(400);
                assertThat(JSON.readTree(missing.body()).path("field").asText()).isEqualTo("payload.title");

                // typed, through JobClient
                SluiceTopics topics = SluiceTopics.create("products", AvroSerdes.forUrl(registry.ccompatUrl()));
                try (JobClient<Product, ClassifiedProduct> client = JobClient.create(Map.of("bootstrap.servers",
                        kafka.bootstrapServers()), topics, PayloadType.of(Product.class),
                        PayloadType.of(ClassifiedProduct.class))) {
                    Product book = Product.newBuilder().setSku("B-1").setTitle("A garden guide")
                            .setDescription("The book for your lawn, a paperback").setPrice(10).setCurrency("GBP").build();
                    Result<ClassifiedProduct> typed = client.submit("typed-1", book).get(60, TimeUnit.SECONDS);
                    ClassifiedProduct classified = typed.getOutput();
                    assertThat(classified.getCategory()).isEqualTo(Category.BOOKS);
                    assertThat(classified.getPriceEur()).isEqualTo(11.7);
                    Result<ClassifiedProduct> negative = client.submit("typed-2", Product.newBuilder(book).setPrice(-5)
                            .build()).get(60, TimeUnit.SECONDS);
                    assertThat(negative.getStatus()).isEqualTo(JobStatus.FAILED);
                    assertThat(negative.getError().getStage()).isEqualTo("clean");
                }

                // by hand, from the registry's schemas only
                Ccompat ccompat = new Ccompat(registry.ccompatUrl());
                JsonNode productLatest = ccompat.get("/subjects/products.jobs-payload/versions/latest").json();
                Schema productSchema = new Schema.Parser().parse(productLatest.path("schema").asText());
                GenericRecord product = new GenericRecordBuilder(productSchema).set("sku", "T-1")
                        .set("title", "Wooden train").set("price", 12.0).build();
                JsonNode jobLatest = ccompat.get("/subjects/products.jobs-value/versions/latest").json();
                Schema jobSchema = new Schema.Parser().parse(jobLatest.path("schema").asText());
                GenericRecord job = new GenericRecordBuilder(jobSchema).set("jobId", "by-hand")
                        .set("submittedAt", System.currentTimeMillis())
                        .set("document", new GenericRecordBuilder(jobSchema.getField("document").schema()).set("id", "").build())
                        .set("payload", ByteBuffer.wrap(Ccompat.frame(productLatest.path("id").asInt(), product))).build();
                try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                        kafka.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
                    producer.send(new ProducerRecord<>("products.jobs", "by-hand",
                            Ccompat.frame(jobLatest.path("id").asInt(), job))).get();
                }
                GenericRecord decoded = ccompat.decode(readValue(kafka.bootstrapServers(), "products.results", "by-hand"));
                assertThat(decoded.get("status")).hasToString("COMPLETED");
                ByteBuffer payload = (ByteBuffer) decoded.get("payload");
                byte[] frame = new byte[payload.remaining()];
                payload.get(frame);
                GenericRecord output = ccompat.decode(frame);
                assertThat(output.getSchema().getFullName()).isEqualTo("com.example.products.ClassifiedProduct");
                assertThat(output.get("category")).hasToString("TOYS");
                assertThat(((List<?>) output.get("matched")).stream().map(Object::toString)).containsExactly("train");
                assertThat(((GenericData.EnumSymbol) output.get("category")).getSchema().getName()).isEqualTo("Category");
            }
        }
    }

    private static HttpResponse<String> post(String url, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The value of the first record keyed {@code key} on {@code topic}, read from the beginning. */
    private static byte[] readValue(String bootstrap, String topic, String key) {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(record.key())) {
                        return record.value();
                    }
                }
            }
        }
        throw new AssertionError("no record keyed " + key + " on " + topic + " within 60 s");
    }
}
