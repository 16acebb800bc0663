"""placeholder"""
def write_report(doc, path, *, png_dir=None):
    return None
