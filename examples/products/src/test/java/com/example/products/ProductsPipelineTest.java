package com.example.products;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.JobStatus;
import dev.sluice.serdes.Result;
import dev.sluice.testkit.PipelineTestDriver;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.pipeline.PipelineConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The products pipeline, as its YAML has it, through the typed test kit. */
class ProductsPipelineTest {

    /** The stages of pipeline.yaml, by the names this plugin registers. */
    static Pipeline pipeline() {
        return PipelineConfig.fromConfig("products", List.of(
                Map.of("name", "clean", "type", "product-clean"),
                Map.of("name", "classify", "type", "product-classify", "params", Map.of("rates", "USD=0.92,GBP=1.17"))));
    }

    static Product product(String sku, String title, double price, String currency) {
        return Product.newBuilder().setSku(sku).setTitle(title).setPrice(price).setCurrency(currency).build();
    }

    @Test
    void shouldCleanAndClassifyAProduct() {
        try (var driver = PipelineTestDriver.of(pipeline(), Product.class, ClassifiedProduct.class)) {
            Product kettle = Product.newBuilder(product("K-1", "  Steel   kettle ", 20.0, " usd"))
                    .setDescription("A kettle for the stove.").setTags(List.of("Kitchen")).build();
            Result<ClassifiedProduct> result = driver.result(driver.submit("job-k1", kettle));
            assertThat(result.getStatus()).isEqualTo(JobStatus.COMPLETED);
            ClassifiedProduct classified = result.getOutput();
            assertThat(classified.getTitle()).isEqualTo("Steel kettle");
            assertThat(classified.getCategory()).isEqualTo(Category.KITCHEN);
            assertThat(classified.getMatched()).containsExactly("kettle");
            assertThat(classified.getPriceEur()).isEqualTo(18.4);
        }
    }

    @Test
    void shouldFailAProductWithANegativePriceOrAnUnknownCurrencyAndGoOn() {
        try (var driver = PipelineTestDriver.of(pipeline(), Product.class, ClassifiedProduct.class)) {
            var negative = driver.result(driver.submit("job-n", product("N-1", "Puzzle", -1, "EUR")));
            assertThat(negative.getStatus()).isEqualTo(JobStatus.FAILED);
            assertThat(negative.getError().getStage()).isEqualTo("clean");
            assertThat(negative.getError().getMessage()).contains("negative price");
            var yen = driver.result(driver.submit("job-y", product("Y-1", "Puzzle", 900, "JPY")));
            assertThat(yen.getError().getStage()).isEqualTo("classify");
            assertThat(yen.getError().getMessage()).contains("JPY, which has no rate");
            assertThat(driver.deadLetters()).hasSize(2);
            ClassifiedProduct toy = driver.result(driver.submit("job-t", product("T-1", "Wooden train", 12, "GBP")))
                    .getOutput();
            assertThat(toy.getCategory()).isEqualTo(Category.TOYS);
            assertThat(toy.getPriceEur()).isEqualTo(14.04);
        }
    }
}
