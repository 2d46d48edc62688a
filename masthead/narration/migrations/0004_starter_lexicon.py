"""A starter pronunciation lexicon: names in the news that the voice gets wrong on its own.

Phonemes are written with English phonemes only (as ``espeak-ng -q --ipa -v en-us`` prints them),
because the voice was trained on English: Peskov is "pess-KOFF", not espeak's "PESS-kahv".
Editors change or delete these in the admin like any other entry; this migration never overwrites
an entry an editor already made for the same term, and unapplying it removes only unchanged ones.
"""

from django.db import migrations

# term, phonemes (IPA, English inventory), note
STARTER = [
    ("Peskov", "pɛskˈɔf", "Dmitry Peskov, Kremlin spokesman: pess-KOFF"),
    ("Ryabkov", "ɹjɑːbkˈɔf", "Sergey Ryabkov, Russian deputy foreign minister: ryahb-KOFF"),
    ("Kyiv", "kˈiːɪv", "Capital of Ukraine: KEE-iv"),
    ("Zakharova", "zɑːkˈɑːɹəvə", "Maria Zakharova, Russian foreign ministry: zah-KHAH-ruh-vuh"),
    ("Bortnikov", "bˈɔːɹtnɪkəf", "Aleksandr Bortnikov, FSB director: BORT-ni-kuf"),
    ("Budanov", "buːdˈɑːnəf", "Kyrylo Budanov, Ukrainian military intelligence: boo-DAH-nuf"),
    ("Lavrov", "lɑːvɹˈɔf", "Sergey Lavrov, Russian foreign minister: lahv-ROFF"),
    ("Shoigu", "ʃɔɪɡˈuː", "Sergei Shoigu: shoy-GOO"),
    ("Medvedev", "mɛdvjˈɛdjɛf", "Dmitry Medvedev: med-VYED-yef"),
    ("Navalny", "nəvˈɑːlni", "Alexei Navalny: nuh-VAHL-nee"),
    ("Antonov", "æntˈoʊnəf", "Anatoly Antonov, Russian ambassador: an-TOH-nuf"),
    ("Gerasimov", "ɡɛɹˈɑːsɪməf", "Valery Gerasimov, chief of the general staff: geh-RAH-si-muf"),
    ("Prigozhin", "pɹɪɡˈoʊʒɪn", "Yevgeny Prigozhin: pri-GOH-zhin"),
    ("Kadyrov", "kədˈɪɹəf", "Ramzan Kadyrov: kuh-DEER-uf"),
    ("Nebenzya", "nɛbjˈɛnzjə", "Vassily Nebenzya, Russia's UN envoy: nyeh-BYEN-zyuh"),
    ("Kuleba", "kuːlˈɛbə", "Dmytro Kuleba: koo-LEH-buh"),
    ("Novosti", "nɑːvˈoʊsti", "RIA Novosti: nah-VOH-stee"),
    ("Dmitry", "dmˈiːtɹi", "dmee-tree, not duh-MEE-tree"),
    ("Sergey", "sɛɹɡˈeɪ", "sehr-GAY"),
    ("Aleksandr", "ɑːlɛksˈɑːndɚ", "ah-lek-SAHN-der"),
    ("Tokayev", "toʊkˈɑːjɛf", "Kassym-Jomart Tokayev, president of Kazakhstan: toh-KAH-yef"),
    ("Zaporizhzhia", "zɑːpɔːɹˈiːʒə", "zah-po-REEZH-zhuh"),
    ("Donetsk", "dənjˈɛtsk", "duh-NYETSK"),
    ("Luhansk", "luːhˈɑːnsk", "loo-HAHNSK"),
    ("Odesa", "oʊdˈɛsə", "oh-DESS-uh"),
    ("Bakhmut", "bɑːkmˈuːt", "bahk-MOOT"),
    ("Avdiivka", "ɑːvdˈiːɪvkə", "ahv-DEE-iv-kuh"),
    ("Mariupol", "mæɹiˈuːpɔl", "mar-ee-OO-pol"),
    ("Kherson", "kɛɹsˈɔːn", "kehr-SAWN"),
    ("Belgorod", "bjˈɛlɡəɹəd", "BYEL-guh-rud"),
    ("Sevastopol", "sɛvəstˈoʊpəl", "sev-uh-STOH-pul"),
    ("Dnipro", "dniːpɹˈoʊ", "dnee-PROH"),
    ("Tbilisi", "tbɪlˈiːsi", "tbi-LEE-see"),
    ("Erdogan", "ˈɛɹdoʊˌɑːn", "Recep Tayyip Erdogan: AIR-doh-ahn (the g is silent)"),
    ("Xi Jinping", "ʃˈiː dʒˈɪnpˈɪŋ", "shee jin-ping"),
    ("Xi", "ʃˈiː", "Xi Jinping on second mention: shee"),
    ("Guterres", "ɡuːtˈɛɹɛʃ", "António Guterres, UN secretary-general: goo-TEH-resh"),
    ("Scholz", "ʃˈoʊlts", "Olaf Scholz: SHOHLTS"),
    ("Macron", "mækɹˈoʊn", "Emmanuel Macron: mah-KROHN"),
    ("Qatar", "kˈɑːtɑːɹ", "KAH-tar"),
    ("Houthis", "hˈuːθiz", "HOO-theez"),
    ("Gazprom", "ɡˈɑːzpɹɑːm", "GAHZ-prom"),
]


def add_starter(apps, schema_editor):
    entry = apps.get_model("narration", "LexiconEntry")
    taken = set(entry.objects.values_list("term", flat=True))
    entry.objects.bulk_create(
        [entry(term=term, kind="phonemes", replacement=ipa, case_sensitive=True, note=note) for term, ipa, note in STARTER if term not in taken]
    )


def remove_starter(apps, schema_editor):
    entry = apps.get_model("narration", "LexiconEntry")
    for term, ipa, note in STARTER:
        entry.objects.filter(term=term, kind="phonemes", replacement=ipa, note=note).delete()


class Migration(migrations.Migration):
    dependencies = [("narration", "0003_transcript_written_words")]

    operations = [migrations.RunPython(add_starter, remove_starter)]
