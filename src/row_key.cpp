#include "row_key.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/lsyscache.h"
}

namespace approval_gate {

const char *const allowed_key_types = "boolean, smallint, integer, bigint, numeric, text, varchar, char, uuid";

Oid allowed_key_base_type(Oid type)
{
    Oid base = guarded(getBaseType, type);
    switch (base) {
    case BOOLOID:
    case INT2OID:
    case INT4OID:
    case INT8OID:
    case NUMERICOID:
    case TEXTOID:
    case VARCHAROID:
    case BPCHAROID:
    case UUIDOID:
        return base;
    default:
        return InvalidOid;
    }
}

namespace {

char *output_text(Oid base_type, Datum value)
{
    Oid output;
    bool varlena;
    getTypeOutputInfo(base_type, &output, &varlena);
    return OidOutputFunctionCall(output, value);
}

char *input_then_output(Oid base_type, int32 typmod, char *input)
{
    Oid function, ioparam;
    getTypeInputInfo(base_type, &function, &ioparam);
    Datum value = OidInputFunctionCall(function, input, ioparam, typmod);
    return output_text(base_type, value);
}

} // namespace

std::string render_key(Oid base_type, Datum value) { return guarded(output_text, base_type, value); }

std::string normalize_key(Oid base_type, int32 base_typmod, const std::string &input)
{
    std::string copy = input;  // the input function may scribble on its argument
    return guarded(input_then_output, base_type, base_typmod, copy.data());
}

} // namespace approval_gate
