/*
 * belegwerk.rules._scan: one pass over an lxml tree in C, for the rule packs' document index.
 *
 * The rule packs index every document before they evaluate it (elements by tag, each element's
 * children by tag, the candidates for "empty element", ...). Done in Python, that walk costs a
 * third of a pack's time, because every lxml ``tag`` read builds a new "{namespace}name" string
 * and every ``text`` read decodes UTF-8 again. This module walks libxml2's nodes directly,
 * creates each element's proxy once (lxml's public C API), and takes each tag from a cache of
 * canonical strings, so a tag is one shared, pre-hashed object for every element and document.
 *
 * The result is exactly what belegwerk.rules.scan.scan_python computes (the reference; a test
 * compares both on the corpus and on generated trees):
 *
 *   (els, tags, parents, kids, by_tag, maybe_empty, texts, attrs)
 *
 *   els          list of the elements in document order (the root first)
 *   tags         list of their Clark tags ("{uri}name", or "name" without a namespace)
 *   parents      list of each element's parent position in ``els`` (-1 for the root)
 *   kids         dict element -> {tag: [child elements in document order]}, for every
 *                element; those without element children share the empty dict NO_KIDS
 *   by_tag       dict tag -> [elements in document order]
 *   maybe_empty  elements that may be "empty" for the Peppol/XRechnung rules: leaves (no
 *                element, comment or processing-instruction child) whose text is empty or only
 *                XML whitespace, and elements whose first such child is a comment or PI
 *   texts        list, per element: the text of a leaf ("" when it has none), None otherwise;
 *                empty when scan() is called with texts=False (only the CII pack reads them,
 *                and decoding every leaf is a tenth of the scan)
 *   attrs        dict attribute name (Clark name when namespaced) -> [element positions]
 *
 * Comments and processing instructions are not elements and are not listed. The module never
 * changes the tree and holds no reference to it after the call.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include <libxml/tree.h>
#include "lxml.etree_api.h"

/* ------------------------------------------------------------------------------------------ */
/* Canonical tag strings: (namespace URI, local name) -> one str object, kept for the process.  */

typedef struct {
    size_t hash;
    char *uri;       /* owned copy, "" when the name has no namespace */
    char *name;      /* owned copy */
    PyObject *text;  /* the Clark string (strong reference) */
} TagEntry;

/* A bound keeps hostile input (millions of distinct names) from growing the cache without end;
 * names beyond it still work, they just get a fresh string each time. */
#define TAG_CACHE_SLOTS 8192
#define TAG_CACHE_MAX 4096

static TagEntry tag_cache[TAG_CACHE_SLOTS];
static Py_ssize_t tag_cache_used = 0;

static size_t fnv1a(const char *uri, const char *name) {
    size_t h = (size_t)1469598103934665603ULL;
    const unsigned char *p;
    for (p = (const unsigned char *)uri; *p; p++) {
        h ^= *p;
        h *= (size_t)1099511628211ULL;
    }
    h ^= 0xff; /* separator: ("ab", "c") and ("a", "bc") differ */
    h *= (size_t)1099511628211ULL;
    for (p = (const unsigned char *)name; *p; p++) {
        h ^= *p;
        h *= (size_t)1099511628211ULL;
    }
    return h;
}

static PyObject *clark_string(const char *uri, const char *name) {
    if (uri[0] == '\0') {
        return PyUnicode_DecodeUTF8(name, (Py_ssize_t)strlen(name), "strict");
    }
    return PyUnicode_FromFormat("{%s}%s", uri, name);
}

static char *copy_string(const char *s) {
    size_t n = strlen(s) + 1;
    char *out = PyMem_RawMalloc(n);
    if (out != NULL) {
        memcpy(out, s, n);
    }
    return out;
}

/* The entry for (uri, name), found by content; NULL when the cache is full (or out of memory,
 * with no exception set): the caller then makes a string of its own. uri may be NULL. */
static TagEntry *find_entry(const char *uri, const char *name) {
    if (uri == NULL) {
        uri = "";
    }
    size_t h = fnv1a(uri, name);
    size_t slot = h & (TAG_CACHE_SLOTS - 1);
    for (;;) {
        TagEntry *e = &tag_cache[slot];
        if (e->text == NULL) {
            break;
        }
        if (e->hash == h && strcmp(e->name, name) == 0 && strcmp(e->uri, uri) == 0) {
            return e;
        }
        slot = (slot + 1) & (TAG_CACHE_SLOTS - 1);
    }
    if (tag_cache_used >= TAG_CACHE_MAX) {
        return NULL;
    }
    PyObject *text = clark_string(uri, name);
    if (text == NULL) {
        PyErr_Clear();
        return NULL;
    }
    PyUnicode_InternInPlace(&text);
    /* Making the string may have run other Python code (a garbage collection, another thread):
     * probe again; from here on nothing runs Python code until the entry is filled. */
    slot = h & (TAG_CACHE_SLOTS - 1);
    for (;;) {
        TagEntry *e = &tag_cache[slot];
        if (e->text == NULL) {
            break;
        }
        if (e->hash == h && strcmp(e->name, name) == 0 && strcmp(e->uri, uri) == 0) {
            Py_DECREF(text);
            return e;
        }
        slot = (slot + 1) & (TAG_CACHE_SLOTS - 1);
    }
    char *uri_copy = copy_string(uri);
    char *name_copy = copy_string(name);
    if (uri_copy == NULL || name_copy == NULL) {
        PyMem_RawFree(uri_copy);
        PyMem_RawFree(name_copy);
        Py_DECREF(text);
        return NULL;
    }
    TagEntry *e = &tag_cache[slot];
    e->hash = h;
    e->uri = uri_copy;
    e->name = name_copy;
    e->text = text; /* the cache's reference */
    tag_cache_used++;
    return e;
}

/* Most names come from libxml2's dictionary, which lxml shares between the documents a thread
 * parses: the same name pointers again and again (namespace URIs are copied per document). A
 * direct-mapped table by the name's pointer finds the entry without hashing the characters; the
 * entry is still compared by content (the URI may differ, and freed memory may hold another
 * name later). */
#define POINTER_SLOTS 2048

typedef struct {
    const char *name;
    TagEntry *entry;
} PointerSlot;

static PointerSlot pointer_cache[POINTER_SLOTS];

/* New reference to the canonical Clark string of (uri, name); uri may be NULL. */
static PyObject *canonical_tag(const char *uri, const char *name) {
    const char *key_uri = uri == NULL ? "" : uri;
    /* by the name's pointer only: namespace URIs are copied per document, names are shared */
    size_t mix = ((size_t)name >> 3) * (size_t)0x9E3779B97F4A7C15ULL;
    PointerSlot *slot = &pointer_cache[(mix >> 40) & (POINTER_SLOTS - 1)];
    TagEntry *e = slot->entry;
    if (e != NULL && slot->name == name && strcmp(e->name, name) == 0 && strcmp(e->uri, key_uri) == 0) {
        Py_INCREF(e->text);
        return e->text;
    }
    e = find_entry(uri, name);
    if (e == NULL) {
        return clark_string(key_uri, name);
    }
    slot->name = name;
    slot->entry = e;
    Py_INCREF(e->text);
    return e->text;
}

static PyObject *node_tag(xmlNode *node) {
    const char *uri = (node->ns != NULL && node->ns->href != NULL) ? (const char *)node->ns->href : NULL;
    return canonical_tag(uri, (const char *)node->name);
}

/* ------------------------------------------------------------------------------------------ */
/* Node kinds as lxml sees them.                                                               */

/* lxml's _isElement: what ``len(el)`` and ``el[i]`` count. */
static int is_lxml_child(xmlNode *node) {
    return node->type == XML_ELEMENT_NODE || node->type == XML_COMMENT_NODE || node->type == XML_ENTITY_REF_NODE ||
           node->type == XML_PI_NODE;
}

static int is_text(xmlNode *node) {
    return node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE;
}

/* The text of a leaf: its text and CDATA children joined (XInclude markers skipped, as lxml
 * does), "" when there is none. New reference. */
static PyObject *leaf_text(xmlNode *node, int *blank) {
    xmlNode *first = NULL;
    Py_ssize_t count = 0;
    size_t size = 0;
    *blank = 1;
    for (xmlNode *c = node->children; c != NULL; c = c->next) {
        if (is_text(c) && c->content != NULL) {
            if (first == NULL) {
                first = c;
            }
            count++;
            size += strlen((const char *)c->content);
        }
    }
    if (count == 0) {
        return PyUnicode_New(0, 0);
    }
    const char *single = NULL;
    char *joined = NULL;
    if (count == 1) {
        single = (const char *)first->content;
    } else {
        joined = PyMem_Malloc(size + 1);
        if (joined == NULL) {
            return PyErr_NoMemory();
        }
        size_t at = 0;
        for (xmlNode *c = first; c != NULL; c = c->next) {
            if (is_text(c) && c->content != NULL) {
                size_t n = strlen((const char *)c->content);
                memcpy(joined + at, c->content, n);
                at += n;
            }
        }
        joined[at] = '\0';
        single = joined;
    }
    for (const char *p = single; *p; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
            *blank = 0;
            break;
        }
    }
    PyObject *text = PyUnicode_DecodeUTF8(single, (Py_ssize_t)size, "strict");
    PyMem_Free(joined);
    return text;
}

/* Whether a leaf's text (its text and CDATA children) is empty or only XML whitespace, without
 * building the string (the scan without texts). */
static int leaf_blank(xmlNode *node) {
    for (xmlNode *c = node->children; c != NULL; c = c->next) {
        if (is_text(c) && c->content != NULL) {
            for (const char *p = (const char *)c->content; *p; p++) {
                if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
                    return 0;
                }
            }
        }
    }
    return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* The walk.                                                                                   */

/* The children-by-tag of every element without element children (never to be modified). */
static PyObject *no_kids = NULL;

typedef struct {
    PyObject *els, *tags, *parents, *kids, *by_tag, *maybe_empty, *texts, *attrs;
    struct LxmlDocument *doc;
    Py_ssize_t count;    /* elements recorded so far */
    Py_ssize_t capacity; /* elements counted before the walk: the lists are made this long */
    int want_texts;
} Scan;

/* Append ``item`` to the list stored under ``key`` in ``dict`` (created on first use). */
static int append_to_group(PyObject *dict, PyObject *key, PyObject *item) {
    PyObject *group = PyDict_GetItemWithError(dict, key);
    if (group != NULL) {
        return PyList_Append(group, item);
    }
    if (PyErr_Occurred()) {
        return -1;
    }
    group = PyList_New(1);
    if (group == NULL) {
        return -1;
    }
    Py_INCREF(item);
    PyList_SET_ITEM(group, 0, item);
    int rc = PyDict_SetItem(dict, key, group);
    Py_DECREF(group);
    return rc;
}

static int record_attributes(Scan *s, xmlNode *node, Py_ssize_t position) {
    PyObject *where = NULL;
    for (xmlAttr *a = node->properties; a != NULL; a = a->next) {
        if (a->type != XML_ATTRIBUTE_NODE) {
            continue;
        }
        const char *uri = (a->ns != NULL && a->ns->href != NULL) ? (const char *)a->ns->href : NULL;
        PyObject *name = canonical_tag(uri, (const char *)a->name);
        if (name == NULL) {
            Py_XDECREF(where);
            return -1;
        }
        if (where == NULL) {
            where = PyLong_FromSsize_t(position);
            if (where == NULL) {
                Py_DECREF(name);
                return -1;
            }
        }
        int rc = append_to_group(s->attrs, name, where);
        Py_DECREF(name);
        if (rc < 0) {
            Py_DECREF(where);
            return -1;
        }
    }
    Py_XDECREF(where);
    return 0;
}

/* Record one element ``el`` (a borrowed proxy) of ``node``. ``parent_groups`` points at the
 * parent's children-by-tag dict, made on its first element child (NULL for the root). */
static int record(Scan *s, xmlNode *node, PyObject *el, PyObject *parent_obj, PyObject *parent_el,
                  PyObject **parent_groups) {
    Py_ssize_t position = s->count;
    if (position >= s->capacity) { /* only if the tree grew while it was walked */
        PyErr_SetString(PyExc_RuntimeError, "the tree changed while it was scanned");
        return -1;
    }
    PyObject *tag = node_tag(node);
    int rc = -1;
    if (tag == NULL) {
        return -1;
    }
    /* the preallocated lists take new references; a slot left NULL on an error is fine for
     * list deallocation */
    Py_INCREF(el);
    PyList_SET_ITEM(s->els, position, el);
    Py_INCREF(tag);
    PyList_SET_ITEM(s->tags, position, tag);
    Py_INCREF(parent_obj);
    PyList_SET_ITEM(s->parents, position, parent_obj);
    s->count = position + 1;
    if (append_to_group(s->by_tag, tag, el) < 0) {
        goto done;
    }
    if (parent_el != NULL) {
        PyObject *groups = *parent_groups;
        if (groups == NULL) {
            groups = PyDict_New();
            if (groups == NULL) {
                goto done;
            }
            int set = PyDict_SetItem(s->kids, parent_el, groups);
            Py_DECREF(groups); /* ``kids`` holds it */
            if (set < 0) {
                goto done;
            }
            *parent_groups = groups;
        }
        if (append_to_group(groups, tag, el) < 0) {
            goto done;
        }
    }
    /* leaf, text, "empty element" candidates */
    xmlNode *first = NULL;
    int has_element_child = 0;
    for (xmlNode *c = node->children; c != NULL; c = c->next) {
        if (first == NULL && is_lxml_child(c)) {
            first = c;
        }
        if (c->type == XML_ELEMENT_NODE) {
            has_element_child = 1;
            break;
        }
    }
    if (!has_element_child && PyDict_SetItem(s->kids, el, no_kids) < 0) {
        goto done;
    }
    if (first == NULL) {
        int blank = 1;
        if (s->want_texts) {
            PyObject *text = leaf_text(node, &blank);
            if (text == NULL) {
                goto done;
            }
            PyList_SET_ITEM(s->texts, position, text); /* the list takes the reference */
        } else {
            blank = leaf_blank(node);
        }
        if (blank && PyList_Append(s->maybe_empty, el) < 0) {
            goto done;
        }
    } else {
        if (s->want_texts) {
            Py_INCREF(Py_None);
            PyList_SET_ITEM(s->texts, position, Py_None);
        }
        if (first->type != XML_ELEMENT_NODE && PyList_Append(s->maybe_empty, el) < 0) {
            goto done;
        }
    }
    if (node->properties != NULL && record_attributes(s, node, position) < 0) {
        goto done;
    }
    rc = 0;
done:
    Py_XDECREF(tag);
    return rc;
}

static xmlNode *first_element_child(xmlNode *node) {
    for (xmlNode *c = node->children; c != NULL; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            return c;
        }
    }
    return NULL;
}

static xmlNode *next_element_sibling(xmlNode *node) {
    for (xmlNode *c = node->next; c != NULL; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            return c;
        }
    }
    return NULL;
}

/* The next element in document order after ``node``'s subtree, within ``top``'s subtree, or NULL:
 * the walk of the functions below that visit every element without proxies (parent pointers lead
 * back up, so a deep tree costs no C stack). */
static xmlNode *after_subtree(xmlNode *node, xmlNode *top) {
    while (node != top) {
        xmlNode *sibling = next_element_sibling(node);
        if (sibling != NULL) {
            return sibling;
        }
        node = node->parent;
    }
    return NULL;
}

/* Depth-first, document order, iterative (a deep document cannot exhaust the C stack). The
 * stack holds (node, position, proxy) of the open ancestors. */
typedef struct {
    xmlNode *node;
    Py_ssize_t position;
    PyObject *position_obj; /* owned: ``position`` as an int, made for the first child (or NULL) */
    PyObject *el;           /* borrowed: ``els`` holds it */
    PyObject *groups;       /* borrowed: ``kids`` holds it; NULL until the first element child */
} Frame;

/* Release the position ints of the open frames (on success the stack is empty already). */
static void free_stack(Frame *stack, Py_ssize_t depth) {
    for (Py_ssize_t i = 0; i < depth; i++) {
        Py_XDECREF(stack[i].position_obj);
    }
    PyMem_Free(stack);
}

static int walk(Scan *s, struct LxmlElement *root) {
    Py_ssize_t cap = 64, depth = 0;
    Frame *stack = PyMem_Malloc(sizeof(Frame) * (size_t)cap);
    if (stack == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    PyObject *no_parent = PyLong_FromSsize_t(-1);
    if (no_parent == NULL) {
        PyMem_Free(stack);
        return -1;
    }
    int root_rc = record(s, root->_c_node, (PyObject *)root, no_parent, NULL, NULL);
    Py_DECREF(no_parent);
    if (root_rc < 0) {
        PyMem_Free(stack);
        return -1;
    }
    stack[0].node = root->_c_node;
    stack[0].position = 0;
    stack[0].position_obj = NULL;
    stack[0].el = (PyObject *)root;
    stack[0].groups = NULL;
    depth = 1;
    xmlNode *next = first_element_child(root->_c_node);
    while (depth > 0) {
        if (next == NULL) { /* the open element is done: continue with its next sibling */
            depth--;
            Py_CLEAR(stack[depth].position_obj);
            if (depth == 0) {
                break;
            }
            next = next_element_sibling(stack[depth].node);
            continue;
        }
        Frame *parent = &stack[depth - 1];
        if (parent->position_obj == NULL) { /* one int per parent, shared by its children */
            parent->position_obj = PyLong_FromSsize_t(parent->position);
            if (parent->position_obj == NULL) {
                free_stack(stack, depth);
                return -1;
            }
        }
        PyObject *el = (PyObject *)elementFactory(s->doc, next);
        if (el == NULL) {
            free_stack(stack, depth);
            return -1;
        }
        Py_ssize_t position = s->count;
        int rc = record(s, next, el, parent->position_obj, parent->el, &parent->groups);
        Py_DECREF(el); /* ``els`` holds it (or the call failed) */
        if (rc < 0) {
            free_stack(stack, depth);
            return -1;
        }
        if (depth == cap) {
            cap *= 2;
            Frame *grown = PyMem_Realloc(stack, sizeof(Frame) * (size_t)cap);
            if (grown == NULL) {
                free_stack(stack, depth);
                PyErr_NoMemory();
                return -1;
            }
            stack = grown;
        }
        stack[depth].node = next;
        stack[depth].position = position;
        stack[depth].position_obj = NULL;
        stack[depth].el = el;
        stack[depth].groups = NULL;
        depth++;
        next = first_element_child(next);
    }
    PyMem_Free(stack);
    return 0;
}

static PyTypeObject *element_type = NULL;

/* The number of elements in the subtree of ``top`` (``top`` included): a walk over libxml2's
 * nodes, a few instructions per node, so that the scan's lists can be made at their final
 * length and its dictionary at its final size instead of growing step by step. */
static Py_ssize_t count_elements(xmlNode *top) {
    Py_ssize_t n = 1;
    xmlNode *node = first_element_child(top);
    while (node != NULL) {
        n++;
        xmlNode *down = first_element_child(node);
        if (down != NULL) {
            node = down;
            continue;
        }
        while (node != top) {
            xmlNode *right = next_element_sibling(node);
            if (right != NULL) {
                node = right;
                break;
            }
            node = node->parent;
        }
        if (node == top) {
            break;
        }
    }
    return n;
}

/* A dict with room for ``n`` entries (CPython's presizing where available). */
static PyObject *dict_for(Py_ssize_t n) {
#if PY_VERSION_HEX >= 0x030B0000 && !defined(Py_LIMITED_API)
    return _PyDict_NewPresized(n);
#else
    (void)n;
    return PyDict_New();
#endif
}

/* scan(root, texts=True) */
static PyObject *scan(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    (void)module;
    static const char *usage = "scan(root, texts=True)";
    int want_texts = 1;
    Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    if (nargs < 1 || nargs + nkw > 2 || nargs > 2) {
        PyErr_Format(PyExc_TypeError, "%s takes an element and an optional flag", usage);
        return NULL;
    }
    if (nargs + nkw == 2) {
        if (nkw == 1 && !PyUnicode_Check(PyTuple_GET_ITEM(kwnames, 0))) {
            PyErr_Format(PyExc_TypeError, "%s: bad keyword", usage);
            return NULL;
        }
        if (nkw == 1 && PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, 0), "texts") != 0) {
            PyErr_Format(PyExc_TypeError, "%s got an unexpected keyword argument %R", usage, PyTuple_GET_ITEM(kwnames, 0));
            return NULL;
        }
        want_texts = PyObject_IsTrue(args[1]);
        if (want_texts < 0) {
            return NULL;
        }
    }
    PyObject *arg = args[0];
    if (element_type == NULL || !PyObject_TypeCheck(arg, element_type)) {
        PyErr_SetString(PyExc_TypeError, "scan() expects an lxml element");
        return NULL;
    }
    struct LxmlElement *root = (struct LxmlElement *)arg;
    if (root->_c_node == NULL || root->_c_node->type != XML_ELEMENT_NODE) {
        PyErr_SetString(PyExc_TypeError, "scan() expects an lxml element, not a comment or processing instruction");
        return NULL;
    }
    Scan s;
    Py_ssize_t n = count_elements(root->_c_node);
    s.doc = root->_doc;
    s.count = 0;
    s.capacity = n;
    s.want_texts = want_texts;
    s.els = PyList_New(n);
    s.tags = PyList_New(n);
    s.parents = PyList_New(n);
    s.kids = dict_for(n);
    s.by_tag = dict_for(n < 64 ? n : 64 + (n - 64) / 8); /* distinct tags: a fraction of the elements */
    s.maybe_empty = PyList_New(0);
    s.texts = PyList_New(want_texts ? n : 0);
    s.attrs = PyDict_New();
    PyObject *result = NULL;
    if (s.els && s.tags && s.parents && s.kids && s.by_tag && s.maybe_empty && s.texts && s.attrs &&
        walk(&s, root) == 0) {
        if (s.count != n) { /* only if the tree shrank while it was walked */
            PyErr_SetString(PyExc_RuntimeError, "the tree changed while it was scanned");
        } else {
            result = PyTuple_Pack(8, s.els, s.tags, s.parents, s.kids, s.by_tag, s.maybe_empty, s.texts, s.attrs);
        }
    }
    Py_XDECREF(s.els);
    Py_XDECREF(s.tags);
    Py_XDECREF(s.parents);
    Py_XDECREF(s.kids);
    Py_XDECREF(s.by_tag);
    Py_XDECREF(s.maybe_empty);
    Py_XDECREF(s.texts);
    Py_XDECREF(s.attrs);
    return result;
}

/* ------------------------------------------------------------------------------------------ */
/* Tags of single elements, for the rules' ancestor checks.                                     */

/* The element behind an lxml proxy, or NULL with TypeError set. */
static xmlNode *element_node(PyObject *obj, const char *who) {
    if (element_type == NULL || !PyObject_TypeCheck(obj, element_type)) {
        PyErr_Format(PyExc_TypeError, "%s expects an lxml element", who);
        return NULL;
    }
    xmlNode *node = ((struct LxmlElement *)obj)->_c_node;
    if (node == NULL || node->type != XML_ELEMENT_NODE) {
        PyErr_Format(PyExc_TypeError, "%s expects an lxml element, not a comment or processing instruction", who);
        return NULL;
    }
    return node;
}

/* The parent element as lxml's getparent() sees it (NULL at the top). */
static xmlNode *parent_element(xmlNode *node) {
    xmlNode *parent = node->parent;
    return parent != NULL && parent->type == XML_ELEMENT_NODE ? parent : NULL;
}

/* tag_of(element) -> the element's Clark tag as the shared string scan() uses. */
static PyObject *tag_of(PyObject *module, PyObject *arg) {
    (void)module;
    xmlNode *node = element_node(arg, "tag_of()");
    return node == NULL ? NULL : node_tag(node);
}

/* ancestors_match(element, wanted, anchored) -> bool: the parent has tag wanted[0] (None: any
 * element), its parent wanted[1], ...; with ``anchored``, the last of them is the top element. */
static PyObject *ancestors_match(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 3 || !PyTuple_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "ancestors_match(element, wanted: tuple, anchored)");
        return NULL;
    }
    xmlNode *node = element_node(args[0], "ancestors_match()");
    if (node == NULL) {
        return NULL;
    }
    int anchored = PyObject_IsTrue(args[2]);
    if (anchored < 0) {
        return NULL;
    }
    PyObject *wanted = args[1];
    Py_ssize_t n = PyTuple_GET_SIZE(wanted);
    for (Py_ssize_t i = 0; i < n; i++) {
        node = parent_element(node);
        if (node == NULL) {
            Py_RETURN_FALSE;
        }
        PyObject *want = PyTuple_GET_ITEM(wanted, i);
        if (want == Py_None) {
            continue;
        }
        PyObject *tag = node_tag(node);
        if (tag == NULL) {
            return NULL;
        }
        int same = tag == want;
        if (!same && PyUnicode_Check(want)) { /* a string not from canonical(): compare text */
            same = PyUnicode_Compare(tag, want) == 0;
            if (PyErr_Occurred()) {
                Py_DECREF(tag);
                return NULL;
            }
        }
        Py_DECREF(tag);
        if (!same) {
            Py_RETURN_FALSE;
        }
    }
    if (anchored && parent_element(node) != NULL) {
        Py_RETURN_FALSE;
    }
    Py_RETURN_TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* A trie walk over a scan's lists, for the EN 16931 UBL pack (see en16931_ubl_support._facts). */

#define FACT_SUFFIX 1
#define FACT_AMOUNT 2
#define FACT_BINARY 4
#define FACT_INFO_MAX 8192

/* The flags of one tag: a watched suffix tag, an ``*Amount`` (not ``*PriceAmount``) or a
 * ``*BinaryObject``. Returns -1 with an exception set on failure. */
static long tag_flags(PyObject *tag, PyObject *suffix_tags, PyObject *info) {
    PyObject *known = PyDict_GetItemWithError(info, tag);
    if (known != NULL) {
        return PyLong_AsLong(known);
    }
    if (PyErr_Occurred()) {
        return -1;
    }
    long flags = 0;
    int suffix = PySet_Contains(suffix_tags, tag);
    if (suffix < 0) {
        return -1;
    }
    if (suffix) {
        flags |= FACT_SUFFIX;
    }
    Py_ssize_t size = 0;
    const char *utf8 = PyUnicode_AsUTF8AndSize(tag, &size);
    if (utf8 == NULL) {
        return -1;
    }
#define ENDS(lit) (size >= (Py_ssize_t)(sizeof(lit) - 1) && memcmp(utf8 + size - (sizeof(lit) - 1), lit, sizeof(lit) - 1) == 0)
    if (ENDS("PriceAmount")) {
        /* a price, not an amount */
    } else if (ENDS("Amount")) {
        flags |= FACT_AMOUNT;
    } else if (ENDS("BinaryObject")) {
        flags |= FACT_BINARY;
    }
#undef ENDS
    if (PyDict_GET_SIZE(info) < FACT_INFO_MAX) {
        PyObject *value = PyLong_FromLong(flags);
        if (value == NULL) {
            return -1;
        }
        int rc = PyDict_SetItem(info, tag, value);
        Py_DECREF(value);
        if (rc < 0) {
            return -1;
        }
    }
    return flags;
}

/* The tags from the scanned element's child down to element ``i`` (the scanned element's own
 * tag left out). New reference. */
static PyObject *tag_chain(PyObject *tags, Py_ssize_t i, Py_ssize_t const *up) {
    Py_ssize_t depth = 0;
    for (Py_ssize_t j = i; up[j] >= 0; j = up[j]) {
        depth++;
    }
    PyObject *chain = PyTuple_New(depth);
    if (chain == NULL) {
        return NULL;
    }
    Py_ssize_t k = depth;
    for (Py_ssize_t j = i; up[j] >= 0; j = up[j]) {
        PyObject *tag = PyList_GET_ITEM(tags, j);
        Py_INCREF(tag);
        PyTuple_SET_ITEM(chain, --k, tag);
    }
    return chain;
}

/* Append the tuple (first, second) to ``list``; -1 with an exception set on failure. */
static int append_pair(PyObject *list, PyObject *first, PyObject *second) {
    PyObject *pair = PyTuple_Pack(2, first, second);
    if (pair == NULL) {
        return -1;
    }
    int rc = PyList_Append(list, pair);
    Py_DECREF(pair);
    return rc;
}

/* trie_walk(els, tags, parents, trie, suffix_tags, info)
 *   -> (watched: [(element, node)], suffixed: [(element, tags)], amounts: [element], binaries: [element])
 *
 * ``tags`` of a suffixed element: the tags from the scanned element's child down to it.
 *
 * ``trie`` is a packed trie node: a tuple (children: dict tag -> node, watched: bool, node), the
 * root node standing for the scanned element. Each element's node is its parent's node's child
 * under its tag (None below a path nobody watches). ``info`` caches the flags per tag (bounded). */
static PyObject *trie_walk(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 6 || !PyList_Check(args[0]) || !PyList_Check(args[1]) || !PyList_Check(args[2]) ||
        !PyTuple_Check(args[3]) || PyTuple_GET_SIZE(args[3]) != 3 || !PyAnySet_Check(args[4]) || !PyDict_Check(args[5])) {
        PyErr_SetString(PyExc_TypeError, "trie_walk(els, tags, parents, trie, suffix_tags, info)");
        return NULL;
    }
    PyObject *els = args[0], *tags = args[1], *parents = args[2], *trie = args[3], *suffix_tags = args[4], *info = args[5];
    Py_ssize_t n = PyList_GET_SIZE(els);
    if (PyList_GET_SIZE(tags) != n || PyList_GET_SIZE(parents) != n) {
        PyErr_SetString(PyExc_ValueError, "trie_walk: els, tags and parents differ in length");
        return NULL;
    }
    PyObject **trail = PyMem_Malloc(sizeof(PyObject *) * (size_t)(n > 0 ? n : 1)); /* borrowed nodes */
    Py_ssize_t *up = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(n > 0 ? n : 1));     /* parent positions */
    PyObject *watched = PyList_New(0), *suffixed = PyList_New(0), *amounts = PyList_New(0), *binaries = PyList_New(0);
    PyObject *result = NULL;
    if (trail == NULL || up == NULL || watched == NULL || suffixed == NULL || amounts == NULL || binaries == NULL) {
        if (trail == NULL || up == NULL) {
            PyErr_NoMemory();
        }
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *tag = PyList_GET_ITEM(tags, i);
        PyObject *el = PyList_GET_ITEM(els, i);
        Py_ssize_t parent = PyLong_AsSsize_t(PyList_GET_ITEM(parents, i));
        if (parent == -1 && PyErr_Occurred()) {
            goto done;
        }
        if (parent >= i || (i > 0 && parent < 0) || !PyUnicode_Check(tag)) {
            PyErr_SetString(PyExc_ValueError, "trie_walk: not a scan (one top element first, parents before children, str tags)");
            goto done;
        }
        up[i] = parent < 0 ? -1 : parent;
        PyObject *node = NULL;
        if (parent < 0) {
            node = trie;
        } else if (trail[parent] != NULL) {
            PyObject *children = PyTuple_GET_ITEM(trail[parent], 0);
            if (!PyDict_Check(children)) {
                PyErr_SetString(PyExc_TypeError, "trie_walk: a trie node's children must be a dict");
                goto done;
            }
            node = PyDict_GetItemWithError(children, tag);
            if (node == NULL && PyErr_Occurred()) {
                goto done;
            }
            if (node != NULL && (!PyTuple_Check(node) || PyTuple_GET_SIZE(node) != 3)) {
                PyErr_SetString(PyExc_TypeError, "trie_walk: a trie node must be a (children, watched, node) tuple");
                goto done;
            }
        }
        trail[i] = node;
        if (node != NULL && PyTuple_GET_ITEM(node, 1) == Py_True &&
            append_pair(watched, el, PyTuple_GET_ITEM(node, 2)) < 0) {
            goto done;
        }
        long flags = tag_flags(tag, suffix_tags, info);
        if (flags < 0) {
            goto done;
        }
        if ((flags & FACT_SUFFIX) && parent >= 0) {
            PyObject *chain = tag_chain(tags, i, up);
            if (chain == NULL) {
                goto done;
            }
            int rc = append_pair(suffixed, el, chain);
            Py_DECREF(chain);
            if (rc < 0) {
                goto done;
            }
        }
        if ((flags & FACT_AMOUNT) && PyList_Append(amounts, el) < 0) {
            goto done;
        }
        if ((flags & FACT_BINARY) && PyList_Append(binaries, el) < 0) {
            goto done;
        }
    }
    result = PyTuple_Pack(4, watched, suffixed, amounts, binaries);
done:
    PyMem_Free(trail);
    PyMem_Free(up);
    Py_XDECREF(watched);
    Py_XDECREF(suffixed);
    Py_XDECREF(amounts);
    Py_XDECREF(binaries);
    return result;
}

/* ------------------------------------------------------------------------------------------ */
/* Values a lean parse may have changed (see belegwerk.xml.safe.markup_in_value, the reference). */

/* markup_in_value(root) -> bool: some element at or below ``root`` holds a comment or processing
 * instruction and no element child, i.e. a comment inside a value. */
static PyObject *markup_in_value(PyObject *module, PyObject *arg) {
    (void)module;
    xmlNode *top = element_node(arg, "markup_in_value()");
    if (top == NULL) {
        return NULL;
    }
    xmlNode *node = top;
    for (;;) {
        xmlNode *first_element = NULL;
        int markup = 0;
        for (xmlNode *c = node->children; c != NULL; c = c->next) {
            if (c->type == XML_ELEMENT_NODE) {
                first_element = c;
                break;
            }
            if (c->type == XML_COMMENT_NODE || c->type == XML_PI_NODE) {
                markup = 1;
            }
        }
        if (first_element != NULL) {
            node = first_element;
            continue;
        }
        if (markup) {
            Py_RETURN_TRUE;
        }
        node = after_subtree(node, top);
        if (node == NULL) {
            Py_RETURN_FALSE;
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Positions of a scan's elements (see belegwerk.rules.scan.positions, the reference).          */

/* positions(els) -> {element: its index in els}: the dictionary made at its final size, the
 * indexes from CPython's shared small ints where they can be. The list is read item by item
 * (a key's hash could in principle run code that changes it). */
static PyObject *positions(PyObject *module, PyObject *arg) {
    (void)module;
    if (!PyList_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "positions() expects a list");
        return NULL;
    }
    PyObject *out = dict_for(PyList_GET_SIZE(arg));
    if (out == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(arg); i++) {
        PyObject *el = PyList_GET_ITEM(arg, i);
        PyObject *index = PyLong_FromSsize_t(i);
        if (index == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        Py_INCREF(el);
        int rc = PyDict_SetItem(out, el, index);
        Py_DECREF(el);
        Py_DECREF(index);
        if (rc < 0) {
            Py_DECREF(out);
            return NULL;
        }
    }
    return out;
}

static PyObject *canonical(PyObject *module, PyObject *arg) {
    (void)module;
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "canonical() expects a str");
        return NULL;
    }
    Py_ssize_t length = 0;
    const char *text = PyUnicode_AsUTF8AndSize(arg, &length);
    if (text == NULL) {
        return NULL;
    }
    if (strlen(text) != (size_t)length) { /* a NUL inside: no XML name, nothing to share */
        Py_INCREF(arg);
        return arg;
    }
    if (text[0] != '{') {
        return canonical_tag(NULL, text);
    }
    const char *close = strchr(text, '}');
    if (close == NULL) {
        Py_INCREF(arg);
        return arg;
    }
    size_t n = (size_t)(close - text - 1);
    char *uri = PyMem_Malloc(n + 1);
    if (uri == NULL) {
        return PyErr_NoMemory();
    }
    memcpy(uri, text + 1, n);
    uri[n] = '\0';
    PyObject *out = canonical_tag(uri, close + 1);
    PyMem_Free(uri);
    return out;
}

/* ------------------------------------------------------------------------------------------ */
/* Attachments in the XSD step (see belegwerk.rules.scan.with_short_binaries, the reference).   */

/* Per byte: the value of a base64 character, 64 for '=', -1 for XML whitespace, -2 for anything
 * else (NUL included). Filled by the module's init. */
static signed char base64_values[256];

static void fill_base64_values(void) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    memset(base64_values, -2, sizeof base64_values);
    for (int i = 0; i < 64; i++) {
        base64_values[(unsigned char)alphabet[i]] = (signed char)i;
    }
    base64_values['='] = 64;
    base64_values[' '] = base64_values['\t'] = base64_values['\n'] = base64_values['\r'] = -1;
}

/* Whether ``text`` is plainly valid xs:base64Binary: base64 characters and XML whitespace only,
 * at most two '=' at the end, the character count a multiple of four with the padding, and the
 * bits a padded group leaves over zero. Anything else (other characters, '=' inside) is "not
 * plainly valid", and the schema validator then sees and judges the value itself. One table
 * lookup per byte; attachments are megabytes. */
__attribute__((hot)) static int plain_base64(const unsigned char *text) {
    size_t count = 0;
    int last = 0;
    const unsigned char *c = text;
    for (;;) {
        int v;
        while ((v = base64_values[*c]) >= 0 && v < 64) { /* a run of base64 characters */
            last = v;
            count++;
            c++;
        }
        if (v == -1) { /* whitespace */
            c++;
            continue;
        }
        break; /* '=', the end (NUL) or another character */
    }
    int pad = 0;
    if (*c == '=') {
        for (; *c; c++) {
            int v = base64_values[*c];
            if (v == 64) {
                if (++pad > 2) return 0;
            } else if (v != -1) {
                return 0; /* data or anything else after the padding */
            }
        }
    }
    if (*c != '\0') return 0; /* a character that is neither base64 nor whitespace */
    if (pad == 0) return count % 4 == 0;
    if (pad == 1) return count % 4 == 3 && (last & ~0x3c) == 0;
    return count % 4 == 2 && (last & ~0x30) == 0;
}

static const char short_base64[] = "AAAA";

typedef struct {
    xmlNode *text;
    xmlChar *content;
} swapped_text;

/* with_short_binaries(root, names, min_length, run) -> run(): calls ``run`` while every element
 * at or below ``root`` named by ``names`` (a tuple of (namespace URI, local name) byte pairs)
 * whose only child is a text of at least ``min_length`` bytes of plainly valid base64 holds
 * "AAAA" instead, then puts the texts back (also when ``run`` raises). The text nodes keep their
 * identity; only their content pointer is lent to a short constant, so nothing is copied.
 * ``run`` must not change the tree (a freed or re-set text node would get a stale pointer). */
static PyObject *with_short_binaries(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 4 || !PyTuple_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "with_short_binaries(root, names: tuple, min_length, run)");
        return NULL;
    }
    xmlNode *top = element_node(args[0], "with_short_binaries()");
    if (top == NULL) {
        return NULL;
    }
    PyObject *names = args[1];
    Py_ssize_t n_names = PyTuple_GET_SIZE(names);
    for (Py_ssize_t i = 0; i < n_names; i++) {
        PyObject *pair = PyTuple_GET_ITEM(names, i);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2 || !PyBytes_Check(PyTuple_GET_ITEM(pair, 0)) ||
            !PyBytes_Check(PyTuple_GET_ITEM(pair, 1))) {
            PyErr_SetString(PyExc_TypeError, "with_short_binaries(): names must be (uri, local name) byte pairs");
            return NULL;
        }
    }
    Py_ssize_t min_length = PyLong_AsSsize_t(args[2]);
    if (min_length == -1 && PyErr_Occurred()) {
        return NULL;
    }
    swapped_text *swapped = NULL;
    Py_ssize_t n_swapped = 0, capacity = 0;
    xmlNode *node = top;
    for (;;) {
        xmlNode *first_element = NULL;
        for (xmlNode *c = node->children; c != NULL; c = c->next) {
            if (c->type == XML_ELEMENT_NODE) {
                first_element = c;
                break;
            }
        }
        xmlNode *text = node->children;
        if (first_element == NULL && text != NULL && text->next == NULL && text->type == XML_TEXT_NODE &&
            text->content != NULL && node->ns != NULL && node->ns->href != NULL) {
            for (Py_ssize_t i = 0; i < n_names; i++) {
                PyObject *pair = PyTuple_GET_ITEM(names, i);
                if (strcmp((const char *)node->name, PyBytes_AS_STRING(PyTuple_GET_ITEM(pair, 1))) != 0 ||
                    strcmp((const char *)node->ns->href, PyBytes_AS_STRING(PyTuple_GET_ITEM(pair, 0))) != 0) {
                    continue;
                }
                if ((Py_ssize_t)strnlen((const char *)text->content, (size_t)min_length) >= min_length && plain_base64(text->content)) {
                    if (n_swapped == capacity) {
                        Py_ssize_t grown = capacity ? capacity * 2 : 8;
                        swapped_text *more = PyMem_Realloc(swapped, (size_t)grown * sizeof(swapped_text));
                        if (more == NULL) {
                            for (Py_ssize_t k = 0; k < n_swapped; k++) swapped[k].text->content = swapped[k].content;
                            PyMem_Free(swapped);
                            return PyErr_NoMemory();
                        }
                        swapped = more;
                        capacity = grown;
                    }
                    swapped[n_swapped].text = text;
                    swapped[n_swapped].content = text->content;
                    n_swapped++;
                    text->content = (xmlChar *)short_base64;
                }
                break;
            }
        }
        node = first_element != NULL ? first_element : after_subtree(node, top);
        if (node == NULL) {
            break;
        }
    }
    PyObject *result = PyObject_CallNoArgs(args[3]);
    for (Py_ssize_t k = 0; k < n_swapped; k++) {
        swapped[k].text->content = swapped[k].content;
    }
    PyMem_Free(swapped);
    return result;
}

static PyMethodDef methods[] = {
    {"scan", (PyCFunction)(void (*)(void))scan, METH_FASTCALL | METH_KEYWORDS,
     "scan(root, texts=True): one pass over an lxml tree: (els, tags, parents, kids, by_tag, maybe_empty, texts, attrs)."},
    {"canonical", canonical, METH_O, "The shared string object scan() uses for this Clark name."},
    {"positions", positions, METH_O, "positions(els): {element: its index in els}."},
    {"tag_of", tag_of, METH_O, "The element's Clark tag, the shared string scan() uses."},
    {"ancestors_match", (PyCFunction)(void (*)(void))ancestors_match, METH_FASTCALL,
     "ancestors_match(element, wanted, anchored): the ancestors carry the wanted tags (None: any)."},
    {"with_short_binaries", (PyCFunction)(void (*)(void))with_short_binaries, METH_FASTCALL,
     "with_short_binaries(root, names, min_length, run): run() with long valid base64 texts of those elements shortened."},
    {"markup_in_value", markup_in_value, METH_O,
     "markup_in_value(root): a comment or processing instruction in an element without element children."},
    {"trie_walk", (PyCFunction)(void (*)(void))trie_walk, METH_FASTCALL,
     "trie_walk(els, tags, parents, trie, suffix_tags, info): watched elements, suffixed positions, amounts, binaries."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "belegwerk.rules._scan", "One pass over an lxml tree in C (see belegwerk.rules.scan).",
    -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__scan(void) {
    if (import_lxml__etree() < 0) {
        return NULL;
    }
    PyObject *etree = PyImport_ImportModule("lxml.etree");
    if (etree == NULL) {
        return NULL;
    }
    PyObject *type = PyObject_GetAttrString(etree, "_Element");
    Py_DECREF(etree);
    if (type == NULL) {
        return NULL;
    }
    if (!PyType_Check(type)) {
        Py_DECREF(type);
        PyErr_SetString(PyExc_ImportError, "lxml.etree._Element is not a type");
        return NULL;
    }
    element_type = (PyTypeObject *)type; /* kept for the process */
    fill_base64_values();
    no_kids = PyDict_New();
    if (no_kids == NULL) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL) {
        return NULL;
    }
    Py_INCREF(no_kids);
    if (PyModule_AddObject(module, "NO_KIDS", no_kids) < 0) {
        Py_DECREF(no_kids);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
