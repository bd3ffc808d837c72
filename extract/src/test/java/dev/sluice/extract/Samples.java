package dev.sluice.extract;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDDocumentInformation;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.encryption.AccessPermission;
import org.apache.pdfbox.pdmodel.encryption.StandardProtectionPolicy;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.poi.xslf.usermodel.XMLSlideShow;
import org.apache.poi.xslf.usermodel.XSLFSlide;
import org.apache.poi.xslf.usermodel.XSLFTextBox;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.apache.poi.xwpf.usermodel.XWPFDocument;

/** Documents of each kind, made here: a test knows exactly what each says. */
final class Samples {

    private Samples() {
    }

    /** A PDF of one page per entry of {@code pages}, each line of an entry a line of text. */
    static byte[] pdf(String title, String author, List<String> pages) throws IOException {
        return pdf(title, author, pages, null);
    }

    /** The same, encrypted with {@code password} to open it. */
    static byte[] pdf(String title, String author, List<String> pages, String password) throws IOException {
        try (PDDocument document = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            PDDocumentInformation info = document.getDocumentInformation();
            info.setTitle(title);
            info.setAuthor(author);
            PDType1Font font = new PDType1Font(Standard14Fonts.FontName.HELVETICA);
            for (String text : pages) {
                PDPage page = new PDPage();
                document.addPage(page);
                try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                    content.beginText();
                    content.setFont(font, 12);
                    content.setLeading(16);
                    content.newLineAtOffset(72, 720);
                    for (String line : text.split("\n")) {
                        content.showText(line);
                        content.newLine();
                    }
                    content.endText();
                }
            }
            if (password != null) {
                StandardProtectionPolicy policy = new StandardProtectionPolicy(password, password, new AccessPermission());
                policy.setEncryptionKeyLength(128);
                document.protect(policy);
            }
            document.save(out);
            return out.toByteArray();
        }
    }

    /** A Word document: a title in its properties, one paragraph per entry. */
    static byte[] docx(String title, String author, List<String> paragraphs) throws IOException {
        try (XWPFDocument document = new XWPFDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            document.getProperties().getCoreProperties().setTitle(title);
            document.getProperties().getCoreProperties().setCreator(author);
            for (String text : paragraphs) {
                document.createParagraph().createRun().setText(text);
            }
            document.write(out);
            return out.toByteArray();
        }
    }

    /** A presentation of one slide per entry. */
    static byte[] pptx(List<String> slides) throws IOException {
        try (XMLSlideShow show = new XMLSlideShow(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            for (String text : slides) {
                XSLFSlide slide = show.createSlide();
                XSLFTextBox box = slide.createTextBox();
                box.setAnchor(new java.awt.Rectangle(50, 50, 600, 300));
                box.setText(text);
            }
            show.write(out);
            return out.toByteArray();
        }
    }

    /** A workbook of one sheet whose first column holds {@code cells}. */
    static byte[] xlsx(List<String> cells) throws IOException {
        try (XSSFWorkbook book = new XSSFWorkbook(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            var sheet = book.createSheet("prices");
            for (int i = 0; i < cells.size(); i++) {
                sheet.createRow(i).createCell(0).setCellValue(cells.get(i));
            }
            book.write(out);
            return out.toByteArray();
        }
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** An OpenDocument text: a title in its meta.xml, one paragraph per entry. */
    static byte[] odt(String title, List<String> paragraphs) throws IOException {
        StringBuilder body = new StringBuilder();
        for (String text : paragraphs) {
            body.append("<text:p>").append(text).append("</text:p>");
        }
        return zip("application/vnd.oasis.opendocument.text", Map.of(
                "META-INF/manifest.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                        + "<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\">"
                        + "<manifest:file-entry manifest:full-path=\"/\" manifest:media-type="
                        + "\"application/vnd.oasis.opendocument.text\"/>"
                        + "<manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>"
                        + "<manifest:file-entry manifest:full-path=\"meta.xml\" manifest:media-type=\"text/xml\"/>"
                        + "</manifest:manifest>",
                "meta.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                        + "<office:document-meta xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\""
                        + " xmlns:dc=\"http://purl.org/dc/elements/1.1/\" office:version=\"1.2\">"
                        + "<office:meta><dc:title>" + title + "</dc:title></office:meta></office:document-meta>",
                "content.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                        + "<office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\""
                        + " xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" office:version=\"1.2\">"
                        + "<office:body><office:text>" + body + "</office:text></office:body></office:document-content>"));
    }

    /** An EPUB of one chapter per entry, with a title. */
    static byte[] epub(String title, List<String> chapters) throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("META-INF/container.xml", "<?xml version=\"1.0\"?>"
                + "<container version=\"1.0\" xmlns=\"urn:oasis:names:tc:opendocument:xmlns:container\"><rootfiles>"
                + "<rootfile full-path=\"OEBPS/content.opf\" media-type=\"application/oebps-package+xml\"/>"
                + "</rootfiles></container>");
        StringBuilder manifest = new StringBuilder();
        StringBuilder spine = new StringBuilder();
        for (int i = 0; i < chapters.size(); i++) {
            String id = "c" + (i + 1);
            manifest.append("<item id=\"").append(id).append("\" href=\"").append(id)
                    .append(".xhtml\" media-type=\"application/xhtml+xml\"/>");
            spine.append("<itemref idref=\"").append(id).append("\"/>");
            files.put("OEBPS/" + id + ".xhtml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                    + "<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>" + id + "</title></head>"
                    + "<body><p>" + chapters.get(i) + "</p></body></html>");
        }
        files.put("OEBPS/content.opf", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                + "<package xmlns=\"http://www.idpf.org/2007/opf\" version=\"3.0\" unique-identifier=\"id\">"
                + "<metadata xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:identifier id=\"id\">sample</dc:identifier>"
                + "<dc:title>" + title + "</dc:title><dc:language>en</dc:language></metadata>"
                + "<manifest>" + manifest + "</manifest><spine>" + spine + "</spine></package>");
        return zip("application/epub+zip", files);
    }

    /** A zip whose first entry is {@code mimetype}, stored, as OpenDocument and EPUB require. */
    private static byte[] zip(String mimetype, Map<String, String> files) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            byte[] type = utf8(mimetype);
            ZipEntry first = new ZipEntry("mimetype");
            first.setMethod(ZipEntry.STORED);
            first.setSize(type.length);
            CRC32 crc = new CRC32();
            crc.update(type);
            first.setCrc(crc.getValue());
            zip.putNextEntry(first);
            zip.write(type);
            zip.closeEntry();
            for (Map.Entry<String, String> file : files.entrySet()) {
                zip.putNextEntry(new ZipEntry(file.getKey()));
                zip.write(utf8(file.getValue()));
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }
}
