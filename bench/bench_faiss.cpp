/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_faiss.cpp: exact Hamming range search on 256-bit codes, withyou side by side with FAISS
 * (Debian's libfaiss) and a plain popcount scan, in one run: the benchmark issue 3 asks for.
 *
 * Workload, per N: N random codes; Q queries, the even ones a stored code with a uniformly random
 * 0..radius bits flipped (a planted neighbour), the odd ones random. In the dihedral mode each
 * query is a picture with 8 variants: the query itself and 7 random codes. The public API cannot
 * turn a hash into its rotations without the pixels (PDQ's dihedral hashes come from the DCT), and
 * random variants cost every peer the same as real ones would.
 *
 * Peers: FAISS IndexBinaryFlat and IndexBinaryMultiHash (range_search); a plain scan written here
 * (four __builtin_popcountll per code, one query or one picture per pass over the codes), built
 * portable and, where the CPU has it, with the POPCNT instruction; withyou's index through its
 * public API with WY_INDEX_FLAT, WY_INDEX_MIH and WY_INDEX_AUTO.
 *
 * Measured for each: build seconds; memory per code (wy_index_memory_bytes for withyou, the growth
 * of the process's resident set over the build for the others); queries (or pictures) per second
 * with 1 and 2 threads, the queries shared out to std::threads through one counter (FAISS's own
 * OpenMP set to 1 thread in each); recall over the planted neighbours; false hits (results
 * beyond the radius, re-checked here byte by byte); and, on the first --verify queries, whether
 * each peer's result set equals a reference scan's. A run stops after --time-box seconds once
 * --min-queries have run, so slow peers at large N report a rate over "queries_run" queries.
 *
 * Output: a JSON line describing the machine, then one JSON line per (N, peer, threads, mode) on
 * stdout. Progress goes to stderr only when it is a terminal. C++ only because FAISS is; the
 * library is used through include/withyou/ alone.
 *
 * Usage: bench_faiss [--n N[,N...]]... [--queries Q] [--radius R] [--dihedral] [--threads T,...]
 *                    [--peers NAME,...] [--time-box S] [--min-queries M] [--verify K] [--seed S]
 *                    [--faiss-mih TABLES,BITS,FLIPS]
 */
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <getopt.h>
#include <malloc.h>
#include <omp.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <faiss/IndexBinaryFlat.h>
#include <faiss/IndexBinaryHash.h>
#include <faiss/impl/AuxIndexStructures.h>

#include "withyou/ctx.h"
#include "withyou/index.h"
#include "withyou/pdq.h"
#include "withyou/status.h"
#include "withyou/version.h"

constexpr size_t CODE_BYTES = 32;
constexpr size_t CODE_WORDS = 4;
constexpr size_t VARIANTS = 8; /* per query in the dihedral mode */

/* ---- options ---------------------------------------------------------------------------- */

struct Options {
    std::vector<size_t> sizes;
    size_t queries = 10000;
    unsigned radius = 31;
    bool dihedral = false;
    std::vector<unsigned> threads{1, 2};
    std::vector<std::string> peers;
    double time_box_s = 5.0;
    size_t min_queries = 100;
    size_t verify = 20;
    uint64_t seed = 1;
    int mih_tables = 11;
    int mih_bits = 23;
    int mih_flips = 2;
};

const char *const ALL_PEERS[] = {"faiss_flat", "faiss_mih", "plain",  "plain_popcnt",
                                 "wy_flat",    "wy_mih",    "wy_auto"};

const char USAGE[] =
    "usage: bench_faiss [--n N[,N...]]... [--queries Q] [--radius R] [--dihedral]\n"
    "                   [--threads T[,T...]] [--peers NAME[,NAME...]] [--time-box S]\n"
    "                   [--min-queries M] [--verify K] [--seed S] [--faiss-mih TABLES,BITS,FLIPS]\n"
    "  --n            codes in the index; repeat or list (default 100000,1000000,10000000)\n"
    "  --queries      queries per run, half with a planted neighbour (default 10000)\n"
    "  --radius       search radius, inclusive (default 31)\n"
    "  --dihedral     also run the dihedral mode (8 variants per query, pictures/s)\n"
    "  --threads      thread counts to run (default 1,2)\n"
    "  --peers        any of faiss_flat faiss_mih plain plain_popcnt wy_flat wy_mih wy_auto\n"
    "                 (default all)\n"
    "  --time-box     stop a run after S seconds once --min-queries ran; 0: never (default 5)\n"
    "  --min-queries  queries every run makes before the time box applies (default 100)\n"
    "  --verify       first K queries compared with a reference scan, per peer (default 20)\n"
    "  --faiss-mih    IndexBinaryMultiHash tables, bits per table, flips (default 11,23,2)\n";

[[noreturn]] static void die(const std::string &msg)
{
    std::fprintf(stderr, "bench_faiss: %s\n", msg.c_str());
    std::exit(1);
}

/* A count: decimal digits, or a power of ten written 1e6 or 10^6. */
static uint64_t parse_count(const char *opt, const std::string &text, uint64_t min, uint64_t max)
{
    uint64_t value = 0;
    size_t used = 0;
    const size_t caret = text.find('^');
    const size_t e = text.find_first_of("eE");
    try {
        if (caret != std::string::npos || e != std::string::npos) {
            const size_t at = caret != std::string::npos ? caret : e;
            const uint64_t base = std::stoull(text.substr(0, at), &used);
            const bool base_ok = used == at && (caret == std::string::npos || base == 10);
            const unsigned exp = (unsigned)std::stoul(text.substr(at + 1), &used);
            if (!base_ok || used != text.size() - at - 1 || exp > 12) {
                throw std::invalid_argument(text);
            }
            value = caret != std::string::npos ? 1 : base;
            for (unsigned i = 0; i < exp; i++) {
                value *= 10;
            }
        } else {
            value = std::stoull(text, &used);
            if (used != text.size()) {
                throw std::invalid_argument(text);
            }
        }
    } catch (const std::exception &) {
        die(std::string(opt) + ": not a number: " + text);
    }
    if (value < min || value > max) {
        die(std::string(opt) + ": out of range: " + text);
    }
    return value;
}

static std::vector<std::string> split_list(const char *text)
{
    std::vector<std::string> items;
    std::string item;
    for (const char *p = text;; p++) {
        if (*p == ',' || *p == '\0') {
            if (!item.empty()) {
                items.push_back(item);
            }
            item.clear();
            if (*p == '\0') {
                break;
            }
        } else {
            item += *p;
        }
    }
    return items;
}

static double parse_seconds(const char *opt, const char *text)
{
    char *end = nullptr;
    const double value = std::strtod(text, &end);
    if (end == text || *end != '\0' || !(value >= 0) || value > 86400) {
        die(std::string(opt) + ": not a number of seconds: " + text);
    }
    return value;
}

static bool known_peer(const std::string &name)
{
    return std::find(std::begin(ALL_PEERS), std::end(ALL_PEERS), name) != std::end(ALL_PEERS);
}

static void parse_faiss_mih(const char *text, Options &o)
{
    const std::vector<std::string> parts = split_list(text);
    if (parts.size() != 3) {
        die("--faiss-mih: want TABLES,BITS,FLIPS, e.g. 11,23,2");
    }
    o.mih_tables = (int)parse_count("--faiss-mih", parts[0], 1, 256);
    o.mih_bits = (int)parse_count("--faiss-mih", parts[1], 1, 56);
    o.mih_flips = (int)parse_count("--faiss-mih", parts[2], 0, 8);
    if (o.mih_tables * o.mih_bits > 256) {
        die("--faiss-mih: TABLES x BITS must be at most 256");
    }
}

static Options parse_options(int argc, char **argv)
{
    static const struct option long_opts[] = {
        {"n", required_argument, nullptr, 'n'},
        {"queries", required_argument, nullptr, 'q'},
        {"radius", required_argument, nullptr, 'r'},
        {"dihedral", no_argument, nullptr, 'd'},
        {"threads", required_argument, nullptr, 't'},
        {"peers", required_argument, nullptr, 'p'},
        {"time-box", required_argument, nullptr, 'b'},
        {"min-queries", required_argument, nullptr, 'm'},
        {"verify", required_argument, nullptr, 'v'},
        {"seed", required_argument, nullptr, 's'},
        {"faiss-mih", required_argument, nullptr, 'f'},
        {"help", no_argument, nullptr, 'h'},
        {nullptr, 0, nullptr, 0},
    };
    Options o;
    bool threads_given = false;
    int c;
    while ((c = getopt_long(argc, argv, "", long_opts, nullptr)) != -1) {
        switch (c) {
        case 'n':
            for (const std::string &item : split_list(optarg)) {
                o.sizes.push_back(parse_count("--n", item, 1, 1000000000));
            }
            break;
        case 'q':
            o.queries = parse_count("--queries", optarg, 1, 100000000);
            break;
        case 'r':
            /* FAISS takes radius + 1 (it keeps distances strictly below), at most 256. */
            o.radius = (unsigned)parse_count("--radius", optarg, 0, 255);
            break;
        case 'd':
            o.dihedral = true;
            break;
        case 't':
            if (!threads_given) {
                o.threads.clear();
                threads_given = true;
            }
            for (const std::string &item : split_list(optarg)) {
                o.threads.push_back((unsigned)parse_count("--threads", item, 1, 256));
            }
            break;
        case 'p':
            for (const std::string &item : split_list(optarg)) {
                if (!known_peer(item)) {
                    die("--peers: unknown peer " + item);
                }
                o.peers.push_back(item);
            }
            break;
        case 'b':
            o.time_box_s = parse_seconds("--time-box", optarg);
            break;
        case 'm':
            o.min_queries = parse_count("--min-queries", optarg, 1, 100000000);
            break;
        case 'v':
            o.verify = parse_count("--verify", optarg, 0, 100000);
            break;
        case 's':
            o.seed = parse_count("--seed", optarg, 1, UINT64_MAX);
            break;
        case 'f':
            parse_faiss_mih(optarg, o);
            break;
        case 'h':
            std::fputs(USAGE, stdout);
            std::exit(0);
        default:
            std::fputs(USAGE, stderr);
            std::exit(2);
        }
    }
    if (optind != argc) {
        std::fputs(USAGE, stderr);
        std::exit(2);
    }
    if (o.sizes.empty()) {
        o.sizes = {100000, 1000000, 10000000};
    }
    if (o.peers.empty()) {
        o.peers.assign(std::begin(ALL_PEERS), std::end(ALL_PEERS));
    }
    o.verify = std::min(o.verify, std::min(o.queries, o.min_queries));
    return o;
}

/* ---- the workload ----------------------------------------------------------------------- */

/* xorshift64*, as the other benches: the same seed gives the same codes on every machine. */
static uint64_t next_random(uint64_t &state)
{
    uint64_t x = state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/*
 * Codes and queries as 64-bit words, 4 per code, read as 32 bytes by the byte-oriented peers.
 * Both arrays end with one spare word: IndexBinaryMultiHash reads each table's bits with an
 * unaligned 8-byte load, so its last table (bits 230..252) reads 4 bytes past a code.
 */
struct Workload {
    size_t n = 0;
    unsigned radius = 0;
    std::vector<uint64_t> codes;   /* n codes; code i has id i */
    std::vector<uint64_t> queries; /* per query VARIANTS codes; variant 0 is the query */
    std::vector<int64_t> planted;  /* per query: the planted neighbour's id, or -1 */

    const uint8_t *code_bytes(size_t id) const
    {
        return reinterpret_cast<const uint8_t *>(&codes[id * CODE_WORDS]);
    }
    const uint64_t *query_words(size_t q) const
    {
        return &queries[q * VARIANTS * CODE_WORDS];
    }
    const uint8_t *query_bytes(size_t q, size_t variant) const
    {
        return reinterpret_cast<const uint8_t *>(&queries[(q * VARIANTS + variant) * CODE_WORDS]);
    }
    size_t query_count() const
    {
        return planted.size();
    }
};

static Workload make_workload(size_t n, const Options &o)
{
    Workload w;
    w.n = n;
    w.radius = o.radius;
    uint64_t rng = o.seed;
    w.codes.resize(n * CODE_WORDS + 1);
    for (size_t i = 0; i < n * CODE_WORDS; i++) {
        w.codes[i] = next_random(rng);
    }
    w.queries.resize(o.queries * VARIANTS * CODE_WORDS + 1);
    for (size_t i = 0; i < o.queries * VARIANTS * CODE_WORDS; i++) {
        w.queries[i] = next_random(rng);
    }
    w.planted.assign(o.queries, -1);
    for (size_t q = 0; q < o.queries; q += 2) {
        const size_t target = (size_t)(next_random(rng) % n);
        uint64_t *query = &w.queries[q * VARIANTS * CODE_WORDS];
        std::memcpy(query, &w.codes[target * CODE_WORDS], CODE_BYTES);
        const unsigned flips = (unsigned)(next_random(rng) % (o.radius + 1));
        bool flipped[256] = {false};
        for (unsigned done = 0; done < flips;) {
            const unsigned bit = (unsigned)(next_random(rng) % 256);
            if (!flipped[bit]) {
                flipped[bit] = true;
                query[bit / 64] ^= 1ull << (bit % 64);
                done++;
            }
        }
        w.planted[q] = (int64_t)target;
    }
    return w;
}

/* ---- results ---------------------------------------------------------------------------- */

/* One (entry, query variant) pair within the radius, as a peer reported it. */
struct Hit {
    uint64_t id;
    unsigned distance;
    unsigned variant;
};

/* A query's answer for comparison: (id, smallest distance over the variants), sorted by id. */
using ResultSet = std::vector<std::pair<uint64_t, unsigned>>;

static ResultSet normalise(const std::vector<Hit> &hits)
{
    ResultSet set;
    set.reserve(hits.size());
    for (const Hit &h : hits) {
        set.emplace_back(h.id, h.distance);
    }
    std::sort(set.begin(), set.end());
    ResultSet unique;
    for (const auto &entry : set) {
        if (unique.empty() || unique.back().first != entry.first) {
            unique.push_back(entry); /* sorted by distance within an id: the smallest first */
        }
    }
    return unique;
}

/* Distance byte by byte through a table: shares nothing with the peers' word loops. */
static unsigned checked_distance(const uint8_t *a, const uint8_t *b)
{
    static const auto table = [] {
        std::array<uint8_t, 256> t{};
        for (unsigned i = 0; i < 256; i++) {
            t[i] = (uint8_t)((i & 1) + t[i / 2]);
        }
        return t;
    }();
    unsigned d = 0;
    for (size_t i = 0; i < CODE_BYTES; i++) {
        d += table[a[i] ^ b[i]];
    }
    return d;
}

/* ---- peers ------------------------------------------------------------------------------ */

class Peer
{
  public:
    virtual ~Peer() = default;
    virtual void build(const Workload &w) = 0;
    /* Every pair within `radius` of the `count` (1 or VARIANTS) queries, appended to `out`. */
    virtual void search(const Workload &w, size_t q, size_t count, unsigned radius,
                        std::vector<Hit> &out) const = 0;
    /* Called once in each worker thread before its first search. */
    virtual void thread_start() const
    {
    }
    /* The peer's own count of its memory, or 0 to report the resident set's growth. */
    virtual size_t memory_bytes(const Workload &) const
    {
        return 0;
    }
    virtual const char *memory_source() const
    {
        return "resident set growth over the build";
    }
    virtual std::string params() const = 0;
    virtual std::string kernels() const
    {
        return "";
    }
    virtual const char *threading() const
    {
        return "std::thread workers sharing one query counter";
    }
};

/* The plain scan: 4 popcounts per code, the codes in order, one pass per query or picture. */
template <size_t COUNT>
static inline __attribute__((always_inline)) void scan_codes(const uint64_t *codes, size_t n,
                                                             const uint64_t *queries,
                                                             unsigned radius, std::vector<Hit> &out)
{
    for (size_t i = 0; i < n; i++) {
        const uint64_t *c = codes + i * CODE_WORDS;
        for (size_t v = 0; v < COUNT; v++) {
            const uint64_t *q = queries + v * CODE_WORDS;
            const unsigned d =
                (unsigned)(__builtin_popcountll(c[0] ^ q[0]) + __builtin_popcountll(c[1] ^ q[1]) +
                           __builtin_popcountll(c[2] ^ q[2]) + __builtin_popcountll(c[3] ^ q[3]));
            if (d <= radius) {
                out.push_back({i, d, (unsigned)v});
            }
        }
    }
}

/* Baseline x86-64: gcc calls libgcc's __popcountdi2 for each word, as Debian's libfaiss does. */
static void scan_portable(const uint64_t *codes, size_t n, const uint64_t *queries, size_t count,
                          unsigned radius, std::vector<Hit> &out)
{
    if (count == 1) {
        scan_codes<1>(codes, n, queries, radius, out);
    } else {
        scan_codes<VARIANTS>(codes, n, queries, radius, out);
    }
}

/* The same loop with the POPCNT instruction (call only where the CPU has it). */
__attribute__((target("popcnt"))) static void scan_popcnt(const uint64_t *codes, size_t n,
                                                          const uint64_t *queries, size_t count,
                                                          unsigned radius, std::vector<Hit> &out)
{
    if (count == 1) {
        scan_codes<1>(codes, n, queries, radius, out);
    } else {
        scan_codes<VARIANTS>(codes, n, queries, radius, out);
    }
}

static bool cpu_has_popcnt()
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("popcnt");
}

class PlainPeer : public Peer
{
  public:
    explicit PlainPeer(bool popcnt) : popcnt_(popcnt)
    {
    }
    void build(const Workload &) override
    {
        /* Scans the workload's own array: nothing to build, 32 bytes a code. */
    }
    void search(const Workload &w, size_t q, size_t count, unsigned radius,
                std::vector<Hit> &out) const override
    {
        if (popcnt_) {
            scan_popcnt(w.codes.data(), w.n, w.query_words(q), count, radius, out);
        } else {
            scan_portable(w.codes.data(), w.n, w.query_words(q), count, radius, out);
        }
    }
    size_t memory_bytes(const Workload &w) const override
    {
        return w.n * CODE_BYTES;
    }
    const char *memory_source() const override
    {
        return "the code array it scans";
    }
    std::string params() const override
    {
        return popcnt_ ? "__builtin_popcountll, target(popcnt)"
                       : "__builtin_popcountll, baseline x86-64";
    }

  private:
    bool popcnt_;
};

/* FAISS's binary indexes. FAISS keeps distances strictly below its radius, hence radius + 1. */
class FaissPeer : public Peer
{
  public:
    FaissPeer(bool multihash, int tables, int bits, int flips)
        : multihash_(multihash), tables_(tables), bits_(bits), flips_(flips)
    {
    }
    void build(const Workload &w) override
    {
        if (multihash_) {
            auto mih = std::make_unique<faiss::IndexBinaryMultiHash>(256, tables_, bits_);
            mih->nflip = flips_;
            index_ = std::move(mih);
        } else {
            index_ = std::make_unique<faiss::IndexBinaryFlat>(256);
        }
        index_->add((faiss::Index::idx_t)w.n, w.code_bytes(0));
    }
    void search(const Workload &w, size_t q, size_t count, unsigned radius,
                std::vector<Hit> &out) const override
    {
        faiss::RangeSearchResult result((faiss::Index::idx_t)count);
        index_->range_search((faiss::Index::idx_t)count, w.query_bytes(q, 0), (int)radius + 1,
                             &result);
        for (size_t v = 0; v < count; v++) {
            for (size_t j = result.lims[v]; j < result.lims[v + 1]; j++) {
                out.push_back(
                    {(uint64_t)result.labels[j], (unsigned)result.distances[j], (unsigned)v});
            }
        }
    }
    void thread_start() const override
    {
        omp_set_num_threads(1);
    }
    std::string params() const override
    {
        if (!multihash_) {
            return "IndexBinaryFlat(256)";
        }
        return "IndexBinaryMultiHash(256, nhash=" + std::to_string(tables_) +
               ", b=" + std::to_string(bits_) + "), nflip=" + std::to_string(flips_);
    }
    const char *threading() const override
    {
        return "std::thread workers sharing one query counter, omp_set_num_threads(1) in each";
    }

  private:
    bool multihash_;
    int tables_;
    int bits_;
    int flips_;
    std::unique_ptr<faiss::IndexBinary> index_;
};

/* withyou through its public API; ids are the codes' positions. */
class WyPeer : public Peer
{
  public:
    WyPeer(struct wy_ctx *ctx, enum wy_index_kind kind) : ctx_(ctx), kind_(kind)
    {
    }
    ~WyPeer() override
    {
        wy_index_free(index_);
    }
    void build(const Workload &w) override
    {
        /* The bulk load, as FAISS's add() of the whole array. */
        check(wy_index_new(ctx_, kind_, &index_), "wy_index_new");
        std::vector<struct wy_pdq_hash> hashes(w.n);
        std::vector<uint64_t> ids(w.n);
        for (size_t i = 0; i < w.n; i++) {
            std::memcpy(hashes[i].bytes, w.code_bytes(i), CODE_BYTES);
            ids[i] = i;
        }
        check(wy_index_add_many(index_, hashes.data(), ids.data(), w.n), "wy_index_add_many");
    }
    void search(const Workload &w, size_t q, size_t count, unsigned radius,
                std::vector<Hit> &out) const override
    {
        struct wy_pdq_hash queries[VARIANTS];
        for (size_t v = 0; v < count; v++) {
            std::memcpy(queries[v].bytes, w.query_bytes(q, v), CODE_BYTES);
        }
        if (count == VARIANTS) {
            check(wy_index_range_dihedral(index_, queries, radius, collect, &out),
                  "wy_index_range_dihedral");
        } else {
            check(wy_index_range(index_, queries, count, radius, collect, &out), "wy_index_range");
        }
    }
    size_t memory_bytes(const Workload &) const override
    {
        return wy_index_memory_bytes(index_);
    }
    const char *memory_source() const override
    {
        return "wy_index_memory_bytes";
    }
    std::string params() const override
    {
        switch (kind_) {
        case WY_INDEX_FLAT:
            return "WY_INDEX_FLAT";
        case WY_INDEX_MIH:
            return "WY_INDEX_MIH";
        default:
            return "WY_INDEX_AUTO";
        }
    }
    std::string kernels() const override
    {
        return wy_index_impl(index_);
    }

  private:
    static void check(enum wy_status st, const char *what)
    {
        if (st != WY_OK) {
            die(std::string(what) + ": " + wy_strerror(st));
        }
    }
    static bool collect(void *user, const struct wy_index_hit *hit)
    {
        static_cast<std::vector<Hit> *>(user)->push_back({hit->id, hit->distance, hit->query});
        return true;
    }

    struct wy_ctx *ctx_;
    enum wy_index_kind kind_;
    struct wy_index *index_ = nullptr;
};

static std::unique_ptr<Peer> make_peer(const std::string &name, const Options &o,
                                       struct wy_ctx *ctx)
{
    if (name == "faiss_flat" || name == "faiss_mih") {
        return std::make_unique<FaissPeer>(name == "faiss_mih", o.mih_tables, o.mih_bits,
                                           o.mih_flips);
    }
    if (name == "plain" || name == "plain_popcnt") {
        return std::make_unique<PlainPeer>(name == "plain_popcnt");
    }
    const enum wy_index_kind kind = name == "wy_flat"  ? WY_INDEX_FLAT
                                    : name == "wy_mih" ? WY_INDEX_MIH
                                                       : WY_INDEX_AUTO;
    return std::make_unique<WyPeer>(ctx, kind);
}

/* ---- measuring -------------------------------------------------------------------------- */

using Clock = std::chrono::steady_clock;

static double seconds_since(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

/* Resident set of this process, from /proc/self/statm. */
static size_t resident_bytes()
{
    FILE *f = std::fopen("/proc/self/statm", "r");
    unsigned long long size_pages = 0;
    unsigned long long resident_pages = 0;
    if (f == nullptr || std::fscanf(f, "%llu %llu", &size_pages, &resident_pages) != 2) {
        die("cannot read /proc/self/statm");
    }
    std::fclose(f);
    return (size_t)resident_pages * (size_t)sysconf(_SC_PAGESIZE);
}

static std::string first_line_of(const char *path)
{
    std::string line;
    FILE *f = std::fopen(path, "r");
    if (f != nullptr) {
        char buf[256];
        if (std::fgets(buf, sizeof buf, f) != nullptr) {
            line = buf;
        }
        std::fclose(f);
    }
    while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) {
        line.pop_back();
    }
    return line;
}

static std::string json_string(const std::string &s)
{
    std::string out = "\"";
    for (const char ch : s) {
        if (ch == '"' || ch == '\\') {
            out += '\\';
            out += ch;
        } else if ((unsigned char)ch < 0x20) {
            char esc[8];
            std::snprintf(esc, sizeof esc, "\\u%04x", (unsigned)ch);
            out += esc;
        } else {
            out += ch;
        }
    }
    return out + "\"";
}

/* What one timed run (one peer, one mode, one thread count) saw. */
struct RunTally {
    size_t queries_run = 0;
    size_t hits = 0;
    size_t planted = 0;
    size_t found = 0;
    size_t false_hits = 0;          /* beyond the radius, or an id that does not exist */
    size_t distance_mismatches = 0; /* reported distance differs from the true one */

    void add(const RunTally &t)
    {
        queries_run += t.queries_run;
        hits += t.hits;
        planted += t.planted;
        found += t.found;
        false_hits += t.false_hits;
        distance_mismatches += t.distance_mismatches;
    }
};

/* Checks one query's hits against the codes and counts its planted neighbour. */
static void tally_query(const Workload &w, size_t q, const std::vector<Hit> &hits, RunTally &t)
{
    t.queries_run++;
    t.hits += hits.size();
    bool found = false;
    for (const Hit &h : hits) {
        if (h.id >= w.n || h.variant >= VARIANTS) {
            t.false_hits++;
            continue;
        }
        const unsigned d = checked_distance(w.code_bytes(h.id), w.query_bytes(q, h.variant));
        t.false_hits += d > w.radius;
        t.distance_mismatches += d != h.distance;
        found |= (int64_t)h.id == w.planted[q];
    }
    if (w.planted[q] >= 0) {
        t.planted++;
        t.found += found;
    }
}

struct RunResult {
    RunTally tally;
    double seconds = 0;
    bool time_boxed = false;
};

/* Runs the queries on `threads` workers until all ran, or the time box closed after the minimum. */
static RunResult timed_run(const Peer &peer, const Workload &w, size_t count, unsigned threads,
                           const Options &o)
{
    std::atomic<size_t> next{0};
    std::vector<RunTally> tallies(threads);
    const size_t total = w.query_count();
    const Clock::time_point start = Clock::now();
    const auto box = std::chrono::duration<double>(o.time_box_s);
    auto work = [&](unsigned t) {
        peer.thread_start();
        RunTally mine; /* written back once: neighbouring tallies share a cache line */
        std::vector<Hit> hits;
        hits.reserve(64);
        for (;;) {
            const size_t q = next.fetch_add(1, std::memory_order_relaxed);
            if (q >= total ||
                (q >= o.min_queries && o.time_box_s > 0 && Clock::now() - start >= box)) {
                break;
            }
            hits.clear();
            peer.search(w, q, count, w.radius, hits);
            tally_query(w, q, hits, mine);
        }
        tallies[t] = mine;
    };
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; t++) {
        workers.emplace_back(work, t);
    }
    for (std::thread &th : workers) {
        th.join();
    }
    RunResult r;
    r.seconds = seconds_since(start);
    for (const RunTally &t : tallies) {
        r.tally.add(t);
    }
    r.time_boxed = r.tally.queries_run < total;
    return r;
}

/* The reference answers of the first K queries: the plain scan, POPCNT when the CPU has it. */
static std::vector<ResultSet> reference_sets(const Workload &w, size_t count, size_t k)
{
    const PlainPeer reference(cpu_has_popcnt());
    std::vector<ResultSet> sets;
    std::vector<Hit> hits;
    for (size_t q = 0; q < k; q++) {
        hits.clear();
        reference.search(w, q, count, w.radius, hits);
        sets.push_back(normalise(hits));
    }
    return sets;
}

/* Queries among the first K whose result set differs from the reference (untimed, 1 thread). */
static size_t count_mismatches(const Peer &peer, const Workload &w, size_t count,
                               const std::vector<ResultSet> &reference)
{
    size_t mismatches = 0;
    std::vector<Hit> hits;
    peer.thread_start();
    for (size_t q = 0; q < reference.size(); q++) {
        hits.clear();
        peer.search(w, q, count, w.radius, hits);
        mismatches += normalise(hits) != reference[q];
    }
    return mismatches;
}

/* ---- the run ---------------------------------------------------------------------------- */

struct BuildInfo {
    double seconds = 0;
    double bytes_per_code = 0;
    double rss_bytes_per_code = 0;
    const char *memory_source = "";
};

static void print_machine(const Options &o, struct wy_ctx *ctx)
{
    std::string model = "unknown";
    unsigned cpus = 0;
    std::string mem_total;
    FILE *f = std::fopen("/proc/cpuinfo", "r");
    if (f != nullptr) {
        char line[4096];
        while (std::fgets(line, sizeof line, f) != nullptr) {
            const char *colon = std::strchr(line, ':');
            if (std::strncmp(line, "processor", 9) == 0) {
                cpus++;
            } else if (std::strncmp(line, "model name", 10) == 0 && colon != nullptr &&
                       model == "unknown") {
                model = colon + 2;
                model.erase(model.find_last_not_of(" \n") + 1);
            }
        }
        std::fclose(f);
    }
    f = std::fopen("/proc/meminfo", "r");
    if (f != nullptr) {
        char line[256];
        while (std::fgets(line, sizeof line, f) != nullptr) {
            unsigned long long kib = 0;
            if (std::sscanf(line, "MemTotal: %llu kB", &kib) == 1) {
                mem_total = std::to_string(kib / 1024);
            }
        }
        std::fclose(f);
    }
    struct utsname un;
    const std::string kernel = uname(&un) == 0 ? std::string(un.release) : "unknown";
    std::string sizes;
    for (const size_t n : o.sizes) {
        sizes += (sizes.empty() ? "" : ",") + std::to_string(n);
    }
    std::printf("{\"machine\":{\"cpu\":%s,\"cores\":%u,\"online\":%ld,\"mem_mib\":%s,"
                "\"kernel\":%s,\"load_avg\":%s,\"popcnt\":%s},\"faiss\":\"%d.%d.%d\","
                "\"withyou\":%s,\"wy_cpu\":%s,\"n\":[%s],\"queries\":%zu,\"radius\":%u,"
                "\"dihedral_variants\":%s,\"time_box_s\":%g,\"min_queries\":%zu,\"verify\":%zu,"
                "\"verify_reference\":\"%s\","
                "\"seed\":%" PRIu64 "}\n",
                json_string(model).c_str(), cpus, sysconf(_SC_NPROCESSORS_ONLN),
                mem_total.empty() ? "null" : mem_total.c_str(), json_string(kernel).c_str(),
                json_string(first_line_of("/proc/loadavg")).c_str(),
                cpu_has_popcnt() ? "true" : "false", FAISS_VERSION_MAJOR, FAISS_VERSION_MINOR,
                FAISS_VERSION_PATCH, json_string(wy_version()).c_str(),
                json_string(wy_cpu_level_name(wy_ctx_cpu(ctx))).c_str(), sizes.c_str(), o.queries,
                o.radius,
                json_string("the query and 7 random codes (the public API has no dihedral "
                            "transform of a hash without its pixels)")
                    .c_str(),
                o.time_box_s, o.min_queries, o.verify,
                cpu_has_popcnt() ? "the plain scan with POPCNT" : "the plain scan", o.seed);
    std::fflush(stdout);
}

static void print_row(const Workload &w, const std::string &name, const Peer &peer,
                      const BuildInfo &b, bool dihedral, unsigned threads, const RunResult &r,
                      size_t verified, size_t mismatches)
{
    const RunTally &t = r.tally;
    const double rate = r.seconds > 0 ? (double)t.queries_run / r.seconds : 0;
    const std::string kernels = peer.kernels();
    std::printf(
        "{\"n\":%zu,\"peer\":%s,\"params\":%s,%s%s%s\"threads\":%u,\"threading\":%s,"
        "\"mode\":\"%s\",\"variants_per_query\":%zu,\"radius\":%u,\"build_s\":%.3f,"
        "\"bytes_per_code\":%.1f,\"memory_source\":\"%s\",\"rss_bytes_per_code\":%.1f,"
        "\"queries\":%zu,\"queries_run\":%zu,\"time_boxed\":%s,\"search_s\":%.3f,"
        "\"%s\":%.1f,\"hits\":%zu,\"planted\":%zu,\"found\":%zu,\"recall\":%.6f,"
        "\"false_hits\":%zu,\"distance_mismatches\":%zu,\"verified\":%zu,\"mismatches\":%zu,"
        "\"load_avg\":%s}\n",
        w.n, json_string(name).c_str(), json_string(peer.params()).c_str(),
        kernels.empty() ? "" : "\"kernels\":", kernels.empty() ? "" : json_string(kernels).c_str(),
        kernels.empty() ? "" : ",", threads, json_string(peer.threading()).c_str(),
        dihedral ? "dihedral" : "single", dihedral ? VARIANTS : (size_t)1, w.radius, b.seconds,
        b.bytes_per_code, b.memory_source, b.rss_bytes_per_code, w.query_count(), t.queries_run,
        r.time_boxed ? "true" : "false", r.seconds, dihedral ? "pictures_per_s" : "queries_per_s",
        rate, t.hits, t.planted, t.found, t.planted ? (double)t.found / (double)t.planted : 1.0,
        t.false_hits, t.distance_mismatches, verified, mismatches,
        json_string(first_line_of("/proc/loadavg")).c_str());
    std::fflush(stdout);
}

static BuildInfo build_peer(Peer &peer, const Workload &w)
{
    malloc_trim(0); /* memory freed by the previous peer must not hide this one's growth */
    const size_t rss_before = resident_bytes();
    const Clock::time_point start = Clock::now();
    peer.build(w);
    BuildInfo b;
    b.seconds = seconds_since(start);
    const size_t rss_after = resident_bytes();
    b.rss_bytes_per_code =
        rss_after > rss_before ? (double)(rss_after - rss_before) / (double)w.n : 0.0;
    const size_t own = peer.memory_bytes(w);
    b.bytes_per_code = own > 0 ? (double)own / (double)w.n : b.rss_bytes_per_code;
    b.memory_source = peer.memory_source();
    return b;
}

static bool progress_wanted()
{
    return isatty(STDERR_FILENO) != 0;
}

static void run_size(size_t n, const Options &o, struct wy_ctx *ctx, bool popcnt)
{
    const bool progress = progress_wanted();
    if (progress) {
        std::fprintf(stderr, "n=%zu: making codes and reference answers\n", n);
    }
    const Workload w = make_workload(n, o);
    std::vector<size_t> counts{1};
    if (o.dihedral) {
        counts.push_back(VARIANTS);
    }
    std::vector<std::vector<ResultSet>> reference;
    for (const size_t count : counts) {
        reference.push_back(reference_sets(w, count, o.verify));
    }
    for (const std::string &name : o.peers) {
        if (name == "plain_popcnt" && !popcnt) {
            std::fprintf(stderr, "bench_faiss: plain_popcnt skipped: no POPCNT on this CPU\n");
            continue;
        }
        if (progress) {
            std::fprintf(stderr, "n=%zu %s: building\n", n, name.c_str());
        }
        std::unique_ptr<Peer> peer = make_peer(name, o, ctx);
        const BuildInfo b = build_peer(*peer, w);
        for (size_t m = 0; m < counts.size(); m++) {
            const size_t mismatches = count_mismatches(*peer, w, counts[m], reference[m]);
            for (const unsigned threads : o.threads) {
                if (progress) {
                    std::fprintf(stderr, "n=%zu %s: %s, %u thread(s)\n", n, name.c_str(),
                                 counts[m] == 1 ? "single" : "dihedral", threads);
                }
                const RunResult r = timed_run(*peer, w, counts[m], threads, o);
                print_row(w, name, *peer, b, counts[m] != 1, threads, r, reference[m].size(),
                          mismatches);
            }
        }
    }
}

/* WY_CPU=scalar|popcnt|avx2|avx512 lowers withyou's kernels, as for the withyou program. */
static struct wy_ctx *make_context()
{
    struct wy_ctx *ctx = nullptr;
    if (wy_ctx_new(nullptr, &ctx) != WY_OK) {
        die("wy_ctx_new failed");
    }
    const char *level_name = std::getenv("WY_CPU");
    if (level_name != nullptr && *level_name != '\0') {
        enum wy_cpu_level level;
        if (wy_cpu_level_parse(level_name, &level) != WY_OK) {
            die(std::string("WY_CPU: unknown level ") + level_name);
        }
        wy_ctx_set_cpu(ctx, level);
    }
    return ctx;
}

int main(int argc, char **argv)
{
    const Options o = parse_options(argc, argv);
    struct wy_ctx *ctx = make_context();
    const bool popcnt = cpu_has_popcnt();
    print_machine(o, ctx);
    try {
        for (const size_t n : o.sizes) {
            run_size(n, o, ctx, popcnt);
        }
    } catch (const std::exception &e) {
        die(std::string("exception: ") + e.what());
    }
    wy_ctx_free(ctx);
    return 0;
}
