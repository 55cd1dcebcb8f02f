// A small signer on Apache PDFBox 2 and Bouncy Castle (Debian's libpdfbox2-java and
// libbcpkix-java), compiled by the test suite to make documents that neither kyso nor pyHanko
// wrote: CMS by Bouncy Castle, incremental updates by PDFBox.
//
//   sign IN OUT KEYSTORE.p12 PASSWORD JCA-ALGORITHM SUBFILTER TSA-URL|-
//   timestamp IN OUT TSA-URL           (a document time-stamp, ETSI.RFC3161)
//   dss IN OUT FILE.cer|FILE.crl ...   (a DSS with a VRI entry for the last signature)

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Calendar;
import java.util.List;

import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSStream;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.SignatureInterface;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.SignatureOptions;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.SignerInformationStore;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.tsp.TSPAlgorithms;
import org.bouncycastle.tsp.TimeStampRequest;
import org.bouncycastle.tsp.TimeStampRequestGenerator;
import org.bouncycastle.tsp.TimeStampResponse;

public final class KysoPdfBox {
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "sign":
                sign(args);
                break;
            case "timestamp":
                timestamp(args);
                break;
            case "dss":
                dss(args);
                break;
            default:
                throw new IllegalArgumentException(args[0]);
        }
    }

    private static byte[] readAll(InputStream in) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[65536];
        int n;
        while ((n = in.read(buffer)) > 0) {
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    /** An RFC 3161 token over SHA-256(data), from the TSA at url (over HTTP). */
    private static byte[] token(String url, byte[] data) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(data);
        TimeStampRequestGenerator generator = new TimeStampRequestGenerator();
        generator.setCertReq(true);
        TimeStampRequest request = generator.generate(
                TSPAlgorithms.SHA256, digest, BigInteger.valueOf(new SecureRandom().nextLong()));
        HttpURLConnection http = (HttpURLConnection) new URL(url).openConnection();
        http.setDoOutput(true);
        http.setRequestMethod("POST");
        http.setRequestProperty("Content-Type", "application/timestamp-query");
        try (OutputStream out = http.getOutputStream()) {
            out.write(request.getEncoded());
        }
        TimeStampResponse response;
        try (InputStream in = http.getInputStream()) {
            response = new TimeStampResponse(readAll(in));
        }
        response.validate(request);
        return response.getTimeStampToken().getEncoded();
    }

    private static void save(PDDocument doc, PDSignature signature, SignatureInterface signer,
                             String out) throws Exception {
        SignatureOptions options = new SignatureOptions();
        options.setPreferredSignatureSize(32768);
        doc.addSignature(signature, signer, options);
        try (FileOutputStream stream = new FileOutputStream(out)) {
            doc.saveIncremental(stream);
        }
        options.close();
    }

    private static void sign(String[] args) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        char[] password = args[4].toCharArray();
        try (InputStream in = Files.newInputStream(new File(args[3]).toPath())) {
            store.load(in, password);
        }
        String alias = store.aliases().nextElement();
        PrivateKey key = (PrivateKey) store.getKey(alias, password);
        Certificate[] chain = store.getCertificateChain(alias);
        String algorithm = args[5];
        String tsa = args[7];
        SignatureInterface signer = content -> {
            try {
                CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
                // Bouncy Castle's provider: the JDK's has no SHA256withRSAandMGF1 (RSA-PSS)
                ContentSigner contentSigner = new JcaContentSignerBuilder(algorithm)
                        .setProvider(new BouncyCastleProvider()).build(key);
                generator.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(
                        new JcaDigestCalculatorProviderBuilder().build())
                        .build(contentSigner, (X509Certificate) chain[0]));
                generator.addCertificates(new JcaCertStore(Arrays.asList(chain)));
                CMSSignedData signed = generator.generate(
                        new CMSProcessableByteArray(readAll(content)), false);
                if (!"-".equals(tsa)) {
                    signed = withTimestamp(signed, tsa);
                }
                return signed.getEncoded();
            } catch (Exception exc) {
                throw new java.io.IOException(exc);
            }
        };
        try (PDDocument doc = PDDocument.load(new File(args[1]))) {
            PDSignature signature = new PDSignature();
            signature.setFilter(PDSignature.FILTER_ADOBE_PPKLITE);
            signature.setSubFilter(COSName.getPDFName(args[6]));
            signature.setName("PDFBox signer");
            signature.setReason("Phê duyệt");
            signature.setSignDate(Calendar.getInstance());
            save(doc, signature, signer, args[2]);
        }
    }

    private static CMSSignedData withTimestamp(CMSSignedData signed, String tsa) throws Exception {
        SignerInformation info = signed.getSignerInfos().getSigners().iterator().next();
        byte[] token = token(tsa, info.getSignature());
        ASN1EncodableVector attributes = new ASN1EncodableVector();
        attributes.add(new Attribute(PKCSObjectIdentifiers.id_aa_signatureTimeStampToken,
                new DERSet(ASN1Primitive.fromByteArray(token))));
        info = SignerInformation.replaceUnsignedAttributes(info, new AttributeTable(attributes));
        return CMSSignedData.replaceSigners(signed, new SignerInformationStore(info));
    }

    private static void timestamp(String[] args) throws Exception {
        String tsa = args[3];
        SignatureInterface signer = content -> {
            try {
                return token(tsa, readAll(content));
            } catch (Exception exc) {
                throw new java.io.IOException(exc);
            }
        };
        try (PDDocument doc = PDDocument.load(new File(args[1]))) {
            PDSignature signature = new PDSignature();
            signature.setType(COSName.DOC_TIME_STAMP);
            signature.setFilter(PDSignature.FILTER_ADOBE_PPKLITE);
            signature.setSubFilter(COSName.getPDFName("ETSI.RFC3161"));
            save(doc, signature, signer, args[2]);
        }
    }

    private static COSStream stream(PDDocument doc, byte[] data) throws Exception {
        COSStream stream = doc.getDocument().createCOSStream();
        try (OutputStream out = stream.createOutputStream()) {
            out.write(data);
        }
        stream.setNeedToBeUpdated(true);
        return stream;
    }

    private static String hex(byte[] data) {
        StringBuilder out = new StringBuilder();
        for (byte b : data) {
            out.append(String.format("%02X", b));
        }
        return out.toString();
    }

    private static void dss(String[] args) throws Exception {
        File input = new File(args[1]);
        byte[] pdf = Files.readAllBytes(input.toPath());
        try (PDDocument doc = PDDocument.load(input)) {
            COSArray certs = new COSArray();
            COSArray crls = new COSArray();
            for (int i = 3; i < args.length; i++) {
                COSStream item = stream(doc, Files.readAllBytes(new File(args[i]).toPath()));
                (args[i].endsWith(".crl") ? crls : certs).add(item);
            }
            certs.setNeedToBeUpdated(true);
            crls.setNeedToBeUpdated(true);
            List<PDSignature> signatures = new ArrayList<>(doc.getSignatureDictionaries());
            PDSignature last = signatures.get(signatures.size() - 1);
            byte[] contents = last.getContents(pdf);
            COSDictionary entry = new COSDictionary();
            entry.setItem(COSName.getPDFName("Cert"), certs);
            entry.setItem(COSName.getPDFName("CRL"), crls);
            entry.setNeedToBeUpdated(true);
            COSDictionary vri = new COSDictionary();
            vri.setItem(COSName.getPDFName(hex(MessageDigest.getInstance("SHA-1").digest(contents))),
                    entry);
            vri.setNeedToBeUpdated(true);
            COSDictionary dss = new COSDictionary();
            dss.setItem(COSName.TYPE, COSName.getPDFName("DSS"));
            dss.setItem(COSName.getPDFName("Certs"), certs);
            dss.setItem(COSName.getPDFName("CRLs"), crls);
            dss.setItem(COSName.getPDFName("VRI"), vri);
            dss.setNeedToBeUpdated(true);
            COSDictionary catalog = doc.getDocumentCatalog().getCOSObject();
            catalog.setItem(COSName.getPDFName("DSS"), dss);
            catalog.setNeedToBeUpdated(true);
            try (FileOutputStream out = new FileOutputStream(args[2])) {
                doc.saveIncremental(out);
            }
        }
    }
}
