/* size_empty.c - the baseline the size programs are measured against: the
 * C runtime and startup code alone, no msgbus. */
int main(void)
{
    return 0;
}
